//! The binary record: what a producer writes into its ring for one log call,
//! and the borrowed view the consumer decodes it into.
//!
//! A record is self-delimiting and little-endian, with no alignment
//! requirement (every read goes through `from_le_bytes` on a slice):
//!
//! ```text
//! offset size field
//!      0    4 total_len   length of the whole record, header included
//!      4    2 kind        0 = inline record (1 = boxed, see `ring`)
//!      6    2 flags       bit 0: the args are a mapping (`msg % {..}`)
//!      8    8 ts_ns       wall-clock nanoseconds since the epoch (patched at commit)
//!     16    8 seq         the producing ring's sequence number
//!     24    4 route       route id (which sinks and formatters, and the logger name)
//!     28    4 level       level number
//!     32    2 n_args
//!     34    2 n_fields
//!     36    4 template_len
//!     40    . template    UTF-8 bytes of the message template (`msg`)
//!      .    . args        n_args × [key if mapping: u16 len + UTF-8] value
//!      .    . fields      n_fields × [u8 field id] [if Extra: u16 len + UTF-8 key] value
//! value:  u8 tag, then: None/False/True nothing; Int 8 bytes; Float 8 bytes (bits);
//!         BigInt/Str/Bytes/Rendered u32 len + bytes
//! ```
//!
//! The size of a record is computed exactly before anything is written
//! ([`RecordSpec::encoded_len`]), so a producer reserves ring space once.

use crate::value::{Args, Value};

/// Size of the fixed header.
pub const HEADER_LEN: usize = 40;
/// Offset of the timestamp, which the producer patches right before commit.
pub const TS_OFFSET: usize = 8;
/// Header `kind` of an inline record.
pub const KIND_INLINE: u16 = 0;
const FLAG_MAPPING: u16 = 1;

const TAG_NONE: u8 = 0;
const TAG_FALSE: u8 = 1;
const TAG_TRUE: u8 = 2;
const TAG_INT: u8 = 3;
const TAG_BIGINT: u8 = 4;
const TAG_FLOAT: u8 = 5;
const TAG_STR: u8 = 6;
const TAG_BYTES: u8 = 7;
const TAG_RENDERED: u8 = 8;

/// The optional record fields a formatter may need (`LogRecord` attributes the
/// producer captures only when a formatter on the route uses them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field<'a> {
    Pathname,
    Lineno,
    FuncName,
    Thread,
    ThreadName,
    Process,
    ProcessName,
    TaskName,
    /// `exc_text`: the formatted exception, rendered by the producer.
    ExcText,
    /// `stack_info`: the formatted stack, rendered by the producer.
    StackInfo,
    /// `created` as a replacement clock returned it (`Float` seconds before
    /// 3.13, `Int` nanoseconds after): used instead of the ring timestamp
    /// for the time fields (never for ordering).
    Created,
    /// Any other attribute, e.g. a key of `extra={...}`.
    Extra(&'a str),
}

impl<'a> Field<'a> {
    fn id(&self) -> u8 {
        match self {
            Field::Pathname => 1,
            Field::Lineno => 2,
            Field::FuncName => 3,
            Field::Thread => 4,
            Field::ThreadName => 5,
            Field::Process => 6,
            Field::ProcessName => 7,
            Field::TaskName => 8,
            Field::ExcText => 9,
            Field::StackInfo => 10,
            Field::Created => 11,
            Field::Extra(_) => 255,
        }
    }

    fn from_id(id: u8) -> Option<Field<'static>> {
        Some(match id {
            1 => Field::Pathname,
            2 => Field::Lineno,
            3 => Field::FuncName,
            4 => Field::Thread,
            5 => Field::ThreadName,
            6 => Field::Process,
            7 => Field::ProcessName,
            8 => Field::TaskName,
            9 => Field::ExcText,
            10 => Field::StackInfo,
            11 => Field::Created,
            _ => return None,
        })
    }

    /// The `LogRecord` attribute name of this field.
    pub fn name(&self) -> &'a str {
        match *self {
            Field::Pathname => "pathname",
            Field::Lineno => "lineno",
            Field::FuncName => "funcName",
            Field::Thread => "thread",
            Field::ThreadName => "threadName",
            Field::Process => "process",
            Field::ProcessName => "processName",
            Field::TaskName => "taskName",
            Field::ExcText => "exc_text",
            Field::StackInfo => "stack_info",
            Field::Created => "created",
            Field::Extra(k) => k,
        }
    }
}

/// Everything a producer knows about one log call, borrowed from the caller.
#[derive(Clone, Copy, Debug)]
pub struct RecordSpec<'a, 'v> {
    pub route: u32,
    pub level: i32,
    /// The message template (`msg`), interpolated with `args` on the consumer.
    pub template: &'a str,
    pub args: Args<'a, 'v>,
    pub fields: &'v [(Field<'a>, Value<'a>)],
}

/// Why a record could not be encoded or decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// A length does not fit its field (a string over 4 GiB, over 65,535 args...).
    TooLarge,
    /// The bytes are not a well-formed record.
    Malformed,
}

fn value_len(v: &Value<'_>) -> usize {
    1 + match v {
        Value::None | Value::Bool(_) => 0,
        Value::Int(_) | Value::Float(_) => 8,
        Value::BigInt(s) | Value::Str(s) | Value::Rendered(s) => 4 + s.len(),
        Value::Bytes(b) => 4 + b.len(),
    }
}

impl<'a, 'v> RecordSpec<'a, 'v> {
    /// The exact number of bytes [`RecordSpec::encode`] writes, or
    /// `TooLarge` if a count or length does not fit the layout.
    pub fn encoded_len(&self) -> Result<usize, RecordError> {
        self.check_counts()?;
        let mut n = HEADER_LEN + self.template.len();
        match self.args {
            Args::Positional(vs) => n += vs.iter().map(value_len).sum::<usize>(),
            Args::Mapping(kvs) => n += kvs.iter().map(|(k, v)| 2 + k.len() + value_len(v)).sum::<usize>(),
        }
        for (f, v) in self.fields {
            n += 1 + value_len(v);
            if let Field::Extra(k) = f {
                n += 2 + k.len();
            }
        }
        if n > u32::MAX as usize {
            return Err(RecordError::TooLarge);
        }
        Ok(n)
    }

    #[inline]
    fn check_counts(&self) -> Result<(), RecordError> {
        const MAX: usize = u16::MAX as usize;
        let (n_args, long_key) = match self.args {
            Args::Positional(vs) => (vs.len(), false),
            Args::Mapping(kvs) => (kvs.len(), kvs.iter().any(|(k, _)| k.len() > MAX)),
        };
        let long_field = || self.fields.iter().any(|(f, _)| matches!(f, Field::Extra(k) if k.len() > MAX));
        if n_args > MAX || self.fields.len() > MAX || long_key || long_field() {
            return Err(RecordError::TooLarge);
        }
        Ok(())
    }

    /// Writes the record (with `ts_ns` = 0, patched later) through `w`, which
    /// must have exactly `len` bytes of room, `len` from a successful
    /// [`RecordSpec::encoded_len`] (which also checked every count).
    pub fn encode<W: ByteWriter>(&self, len: usize, seq: u64, w: &mut W) {
        let (mapping, n_args) = match self.args {
            Args::Positional(vs) => (false, vs.len()),
            Args::Mapping(kvs) => (true, kvs.len()),
        };
        let mut head = [0u8; HEADER_LEN];
        head[0..4].copy_from_slice(&(len as u32).to_le_bytes());
        head[4..6].copy_from_slice(&KIND_INLINE.to_le_bytes());
        head[6..8].copy_from_slice(&(if mapping { FLAG_MAPPING } else { 0 }).to_le_bytes());
        head[16..24].copy_from_slice(&seq.to_le_bytes());
        head[24..28].copy_from_slice(&self.route.to_le_bytes());
        head[28..32].copy_from_slice(&self.level.to_le_bytes());
        head[32..34].copy_from_slice(&(n_args as u16).to_le_bytes());
        head[34..36].copy_from_slice(&(self.fields.len() as u16).to_le_bytes());
        head[36..40].copy_from_slice(&(self.template.len() as u32).to_le_bytes());
        w.put(&head);
        w.put(self.template.as_bytes());
        match self.args {
            Args::Positional(vs) => vs.iter().for_each(|v| put_value(w, v)),
            Args::Mapping(kvs) => {
                for (k, v) in kvs {
                    w.put(&(k.len() as u16).to_le_bytes());
                    w.put(k.as_bytes());
                    put_value(w, v);
                }
            }
        }
        for (f, v) in self.fields {
            w.put(&[f.id()]);
            if let Field::Extra(k) = f {
                w.put(&(k.len() as u16).to_le_bytes());
                w.put(k.as_bytes());
            }
            put_value(w, v);
        }
    }

    /// Encodes into a fresh `Vec` (for tests, tools and the boxed path).
    pub fn to_vec(&self, seq: u64, ts_ns: i64) -> Result<Vec<u8>, RecordError> {
        let len = self.encoded_len()?;
        let mut v = Vec::with_capacity(len);
        self.encode(len, seq, &mut v);
        v[TS_OFFSET..TS_OFFSET + 8].copy_from_slice(&ts_ns.to_le_bytes());
        Ok(v)
    }
}

fn put_value<W: ByteWriter>(w: &mut W, v: &Value<'_>) {
    match *v {
        Value::None => w.put(&[TAG_NONE]),
        Value::Bool(false) => w.put(&[TAG_FALSE]),
        Value::Bool(true) => w.put(&[TAG_TRUE]),
        Value::Int(i) => {
            w.put(&[TAG_INT]);
            w.put(&i.to_le_bytes());
        }
        Value::Float(f) => {
            w.put(&[TAG_FLOAT]);
            w.put(&f.to_bits().to_le_bytes());
        }
        Value::BigInt(s) => put_bytes(w, TAG_BIGINT, s.as_bytes()),
        Value::Str(s) => put_bytes(w, TAG_STR, s.as_bytes()),
        Value::Bytes(b) => put_bytes(w, TAG_BYTES, b),
        Value::Rendered(s) => put_bytes(w, TAG_RENDERED, s.as_bytes()),
    }
}

fn put_bytes<W: ByteWriter>(w: &mut W, tag: u8, b: &[u8]) {
    w.put(&[tag]);
    w.put(&(b.len() as u32).to_le_bytes());
    w.put(b);
}

/// Where an encoder writes: a `Vec`, or the (possibly split) free space of a ring.
pub trait ByteWriter {
    fn put(&mut self, bytes: &[u8]);
}

impl ByteWriter for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A decoded record, borrowing the bytes it was parsed from.
#[derive(Clone, Copy, Debug)]
pub struct RecordView<'a> {
    pub ts_ns: i64,
    pub seq: u64,
    pub route: u32,
    pub level: i32,
    pub template: &'a str,
    mapping: bool,
    n_args: u16,
    n_fields: u16,
    args: &'a [u8],
    fields: &'a [u8],
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], RecordError> {
        let end = self.pos.checked_add(n).ok_or(RecordError::Malformed)?;
        let s = self.b.get(self.pos..end).ok_or(RecordError::Malformed)?;
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, RecordError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, RecordError> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().unwrap()))
    }
    fn u32(&mut self) -> Result<u32, RecordError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> Result<u64, RecordError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn str(&mut self, n: usize) -> Result<&'a str, RecordError> {
        std::str::from_utf8(self.take(n)?).map_err(|_| RecordError::Malformed)
    }
    fn key(&mut self) -> Result<&'a str, RecordError> {
        let n = self.u16()? as usize;
        self.str(n)
    }
    // Inlined so the returned `Value` is not moved through a `Result` on
    // the stack for every field (measured: about 8 ns per record).
    #[inline(always)]
    fn value(&mut self) -> Result<Value<'a>, RecordError> {
        Ok(match self.u8()? {
            TAG_NONE => Value::None,
            TAG_FALSE => Value::Bool(false),
            TAG_TRUE => Value::Bool(true),
            TAG_INT => Value::Int(self.u64()? as i64),
            TAG_FLOAT => Value::Float(f64::from_bits(self.u64()?)),
            TAG_BIGINT => {
                let n = self.u32()? as usize;
                Value::BigInt(self.str(n)?)
            }
            TAG_STR => {
                let n = self.u32()? as usize;
                Value::Str(self.str(n)?)
            }
            TAG_BYTES => {
                let n = self.u32()? as usize;
                Value::Bytes(self.take(n)?)
            }
            TAG_RENDERED => {
                let n = self.u32()? as usize;
                Value::Rendered(self.str(n)?)
            }
            _ => return Err(RecordError::Malformed),
        })
    }
}

/// Reads the `total_len` of the record starting at `b`, if 4 bytes are there.
pub fn peek_len(b: &[u8]) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(0..4)?.try_into().ok()?) as usize)
}

impl<'a> RecordView<'a> {
    /// Parses and fully validates one inline record occupying all of `b`.
    /// Never panics, whatever the bytes.
    pub fn parse(b: &'a [u8]) -> Result<RecordView<'a>, RecordError> {
        let mut r = Reader { b, pos: 0 };
        let total = r.u32()? as usize;
        if total != b.len() || r.u16()? != KIND_INLINE {
            return Err(RecordError::Malformed);
        }
        let flags = r.u16()?;
        let ts_ns = r.u64()? as i64;
        let seq = r.u64()?;
        let route = r.u32()?;
        let level = r.u32()? as i32;
        let n_args = r.u16()?;
        let n_fields = r.u16()?;
        let tlen = r.u32()? as usize;
        let template = r.str(tlen)?;
        let mapping = flags & FLAG_MAPPING != 0;
        let args_start = r.pos;
        for _ in 0..n_args {
            if mapping {
                r.key()?;
            }
            r.value()?;
        }
        let fields_start = r.pos;
        for _ in 0..n_fields {
            match r.u8()? {
                255 => {
                    r.key()?;
                }
                id if Field::from_id(id).is_none() => return Err(RecordError::Malformed),
                _ => {}
            }
            r.value()?;
        }
        if r.pos != b.len() {
            return Err(RecordError::Malformed);
        }
        Ok(RecordView { ts_ns, seq, route, level, template, mapping, n_args, n_fields, args: &b[args_start..fields_start], fields: &b[fields_start..] })
    }

    /// Whether the args are a mapping (`msg % {...}`).
    pub fn args_are_mapping(&self) -> bool {
        self.mapping
    }

    pub fn n_args(&self) -> usize {
        self.n_args as usize
    }

    /// The arguments, each with its key when they are a mapping.
    pub fn args(&self) -> impl Iterator<Item = (Option<&'a str>, Value<'a>)> + 'a {
        let mut r = Reader { b: self.args, pos: 0 };
        let mapping = self.mapping;
        // `parse` validated these bytes, so every read below succeeds.
        (0..self.n_args).map_while(move |_| {
            let key = if mapping { Some(r.key().ok()?) } else { None };
            Some((key, r.value().ok()?))
        })
    }

    /// The optional fields, in the order the producer wrote them.
    pub fn fields(&self) -> impl Iterator<Item = (Field<'a>, Value<'a>)> + 'a {
        let mut r = Reader { b: self.fields, pos: 0 };
        (0..self.n_fields).map_while(move |_| {
            let id = r.u8().ok()?;
            let f = if id == 255 { Field::Extra(r.key().ok()?) } else { Field::from_id(id)? };
            Some((f, r.value().ok()?))
        })
    }

    /// The value of one field, if the record carries it.
    pub fn field(&self, want: Field<'_>) -> Option<Value<'a>> {
        self.fields().find(|(f, _)| *f == want).map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_value_type() {
        let args = [
            Value::None,
            Value::Bool(true),
            Value::Bool(false),
            Value::Int(-42),
            Value::BigInt("123456789012345678901234567890"),
            Value::Float(0.5),
            Value::Str("héllo"),
            Value::Bytes(b"\x00\xff"),
            Value::Rendered("<obj>"),
        ];
        let fields = [(Field::Lineno, Value::Int(7)), (Field::Extra("user"), Value::Str("alice"))];
        let spec = RecordSpec { route: 3, level: 20, template: "t %s", args: Args::Positional(&args), fields: &fields };
        let bytes = spec.to_vec(9, 1_700_000_000_123_456_789).unwrap();
        assert_eq!(bytes.len(), spec.encoded_len().unwrap());
        let view = RecordView::parse(&bytes).unwrap();
        assert_eq!((view.ts_ns, view.seq, view.route, view.level), (1_700_000_000_123_456_789, 9, 3, 20));
        assert_eq!(view.template, "t %s");
        let got: Vec<_> = view.args().map(|(_, v)| v).collect();
        assert_eq!(got, args);
        let got: Vec<_> = view.fields().collect();
        assert_eq!(got, fields);
        assert_eq!(view.field(Field::Extra("user")), Some(Value::Str("alice")));
        assert_eq!(view.field(Field::Pathname), None);
    }

    #[test]
    fn mapping_args_keep_their_keys() {
        let kvs = [("user", Value::Str("bob")), ("n", Value::Int(2))];
        let spec = RecordSpec { route: 0, level: 10, template: "%(user)s", args: Args::Mapping(&kvs), fields: &[] };
        let bytes = spec.to_vec(0, 0).unwrap();
        let view = RecordView::parse(&bytes).unwrap();
        assert!(view.args_are_mapping());
        let got: Vec<_> = view.args().collect();
        assert_eq!(got, vec![(Some("user"), Value::Str("bob")), (Some("n"), Value::Int(2))]);
    }

    #[test]
    fn truncated_or_corrupt_bytes_are_rejected() {
        let spec = RecordSpec { route: 0, level: 10, template: "abc", args: Args::Positional(&[Value::Int(1)]), fields: &[] };
        let bytes = spec.to_vec(0, 0).unwrap();
        for cut in 0..bytes.len() {
            assert!(RecordView::parse(&bytes[..cut]).is_err());
        }
        let mut bad = bytes.clone();
        bad[HEADER_LEN + 3] = 99; // unknown value tag
        assert_eq!(RecordView::parse(&bad).unwrap_err(), RecordError::Malformed);
        let fields = [(Field::Lineno, Value::Int(1))];
        let spec = RecordSpec { route: 0, level: 10, template: "", args: Args::Positional(&[]), fields: &fields };
        let mut bad = spec.to_vec(0, 0).unwrap();
        bad[HEADER_LEN] = 0; // unknown field id (found by the record_decode fuzz target)
        assert_eq!(RecordView::parse(&bad).unwrap_err(), RecordError::Malformed);
    }
}
