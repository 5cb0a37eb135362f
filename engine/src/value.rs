//! Typed values: the arguments of a log call and the fields of a record, as the
//! consumer sees them after decoding. They borrow from the record's bytes.

/// One argument or record field, typed the way CPython's `%`-formatting and
/// `str.format` need to tell them apart.
///
/// A producer converts each Python object to one of these on the calling thread;
/// the consumer formats them without ever touching Python.
///
/// `repr(u64)`: an 8-byte tag leaves no bytes between the tag and the
/// payload. With the default 1-byte tag, `Bool`'s payload sits at byte 1 and
/// every move of a `Value` copied bytes 1..8 with two overlapping 4-byte
/// loads, a store-forwarding stall that was the single hottest spot of the
/// consumer's formatting.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(u64)]
pub enum Value<'a> {
    /// Python `None`.
    None,
    /// Python `bool` (`%s` prints `True`/`False`, `%d` prints `1`/`0`).
    Bool(bool),
    /// A Python `int` that fits in an `i64`.
    Int(i64),
    /// A Python `int` outside the `i64` range, as decimal text with an optional
    /// leading `-` (e.g. `"-123456789012345678901234567890"`).
    BigInt(&'a str),
    /// A Python `float`.
    Float(f64),
    /// A Python `str`, as UTF-8.
    Str(&'a str),
    /// A Python `bytes` object.
    Bytes(&'a [u8]),
    /// Text the producer already rendered for the conversion that consumes it
    /// (`str(obj)` for `%s`, `repr(obj)` for `%r`, `ascii(obj)` for `%a`):
    /// the consumer uses it as-is (padding and precision still apply).
    Rendered(&'a str),
}

/// The arguments of a log call: `msg % args` takes either a tuple or, for a
/// single mapping argument, a mapping (`"%(user)s" % {"user": ...}`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Args<'a, 'v> {
    /// `msg % (a, b, c)`.
    Positional(&'v [Value<'a>]),
    /// `msg % {"key": value, ...}`.
    Mapping(&'v [(&'a str, Value<'a>)]),
}

/// An owned [`Value`], for values the engine keeps (a Formatter's `defaults`).
#[derive(Clone, Debug, PartialEq)]
pub enum OwnedValue {
    None,
    Bool(bool),
    Int(i64),
    BigInt(String),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    Rendered(String),
}

impl OwnedValue {
    /// Borrows this value as a [`Value`].
    pub fn as_value(&self) -> Value<'_> {
        match self {
            OwnedValue::None => Value::None,
            OwnedValue::Bool(b) => Value::Bool(*b),
            OwnedValue::Int(i) => Value::Int(*i),
            OwnedValue::BigInt(s) => Value::BigInt(s),
            OwnedValue::Float(f) => Value::Float(*f),
            OwnedValue::Str(s) => Value::Str(s),
            OwnedValue::Bytes(b) => Value::Bytes(b),
            OwnedValue::Rendered(s) => Value::Rendered(s),
        }
    }
}

impl From<Value<'_>> for OwnedValue {
    fn from(v: Value<'_>) -> OwnedValue {
        match v {
            Value::None => OwnedValue::None,
            Value::Bool(b) => OwnedValue::Bool(b),
            Value::Int(i) => OwnedValue::Int(i),
            Value::BigInt(s) => OwnedValue::BigInt(s.to_owned()),
            Value::Float(f) => OwnedValue::Float(f),
            Value::Str(s) => OwnedValue::Str(s.to_owned()),
            Value::Bytes(b) => OwnedValue::Bytes(b.to_vec()),
            Value::Rendered(s) => OwnedValue::Rendered(s.to_owned()),
        }
    }
}
