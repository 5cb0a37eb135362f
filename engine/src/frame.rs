//! Binary frames for network receivers: one log record as a MessagePack map
//! behind a 4-byte big-endian length (what the MessagePack socket handler
//! sends), written with `rmp`'s low-level encoder straight into a buffer.
//!
//! The map's keys, in order: `logger`, `level`, `message`, `timestamp_ns`,
//! `filename`, `line_number`, `module_path`, `thread_id`, `thread_name`,
//! `key_values` (a map of the record's extra fields).
//!
//! ```
//! use attologging_engine::frame::{msgpack_record, MsgpackRecord};
//! use attologging_engine::Value;
//! let rec = MsgpackRecord {
//!     logger: "app", level: 20, message: "hi", timestamp_ns: 1, filename: "app.py",
//!     line_number: 3, module_path: "app", thread_id: 7, thread_name: "MainThread",
//!     key_values: &[("user", Value::Str("ann"))],
//! };
//! let mut frame = Vec::new();
//! msgpack_record(&rec, &mut frame);
//! let len = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
//! assert_eq!(len, frame.len() - 4);
//! assert_eq!(frame[4], 0x8a); // a map of 10 entries
//! ```

use rmp::encode;

use crate::value::Value;

/// The fields of one record, as the MessagePack handler sends them.
#[derive(Clone, Copy, Debug)]
pub struct MsgpackRecord<'a> {
    pub logger: &'a str,
    pub level: i64,
    pub message: &'a str,
    pub timestamp_ns: i64,
    pub filename: &'a str,
    pub line_number: i64,
    pub module_path: &'a str,
    pub thread_id: u64,
    pub thread_name: &'a str,
    pub key_values: &'a [(&'a str, Value<'a>)],
}

/// Appends `rec`'s frame (length prefix, then the map) to `out`.
pub fn msgpack_record(rec: &MsgpackRecord<'_>, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    // Writing into a Vec cannot fail: the encoder's errors are the writer's.
    let w = &mut *out;
    let _ = encode::write_map_len(w, 10);
    str_field(w, "logger", rec.logger);
    let _ = encode::write_str(w, "level");
    let _ = encode::write_sint(w, rec.level);
    str_field(w, "message", rec.message);
    let _ = encode::write_str(w, "timestamp_ns");
    let _ = encode::write_sint(w, rec.timestamp_ns);
    str_field(w, "filename", rec.filename);
    let _ = encode::write_str(w, "line_number");
    let _ = encode::write_sint(w, rec.line_number);
    str_field(w, "module_path", rec.module_path);
    let _ = encode::write_str(w, "thread_id");
    let _ = encode::write_uint(w, rec.thread_id);
    str_field(w, "thread_name", rec.thread_name);
    let _ = encode::write_str(w, "key_values");
    let _ = encode::write_map_len(w, rec.key_values.len() as u32);
    for (k, v) in rec.key_values {
        let _ = encode::write_str(w, k);
        value(w, v);
    }
    let len = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&len.to_be_bytes());
}

fn str_field(w: &mut Vec<u8>, key: &str, v: &str) {
    let _ = encode::write_str(w, key);
    let _ = encode::write_str(w, v);
}

/// A value as its MessagePack type; big integers and rendered values as text.
fn value(w: &mut Vec<u8>, v: &Value<'_>) {
    let _ = match *v {
        Value::None => encode::write_nil(w).map_err(|_| ()),
        Value::Bool(b) => encode::write_bool(w, b).map_err(|_| ()),
        Value::Int(i) => encode::write_sint(w, i).map(|_| ()).map_err(|_| ()),
        Value::Float(f) => encode::write_f64(w, f).map_err(|_| ()),
        Value::Str(s) | Value::BigInt(s) | Value::Rendered(s) => encode::write_str(w, s).map_err(|_| ()),
        Value::Bytes(b) => encode::write_bin(w, b).map_err(|_| ()),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_in_order() {
        let rec = MsgpackRecord {
            logger: "a.b",
            level: 40,
            message: "é\n",
            timestamp_ns: 1_700_000_000_123_456_789,
            filename: "x.py",
            line_number: 12,
            module_path: "x",
            thread_id: u64::MAX,
            thread_name: "T",
            key_values: &[("n", Value::Int(-5)), ("f", Value::Float(0.5)), ("z", Value::None), ("b", Value::Bool(true))],
        };
        let mut out = vec![0xff]; // appends after what is there
        msgpack_record(&rec, &mut out);
        let body = &out[5..];
        assert_eq!(u32::from_be_bytes(out[1..5].try_into().unwrap()) as usize, body.len());
        let mut r = body;
        assert_eq!(rmp::decode::read_map_len(&mut r).unwrap(), 10);
        let mut keys = Vec::new();
        for _ in 0..10 {
            let mut buf = [0u8; 32];
            keys.push(rmp::decode::read_str(&mut r, &mut buf).unwrap().to_owned());
            skip_value(&mut r);
        }
        assert_eq!(keys, ["logger", "level", "message", "timestamp_ns", "filename", "line_number", "module_path", "thread_id", "thread_name", "key_values"]);
        assert!(r.is_empty());
    }

    fn skip_value(r: &mut &[u8]) {
        use rmp::Marker;
        let m = rmp::decode::read_marker(r).unwrap();
        let skip = |r: &mut &[u8], n: usize| *r = &r[n..];
        match m {
            Marker::FixPos(_) | Marker::FixNeg(_) | Marker::Null | Marker::True | Marker::False => {}
            Marker::U8 | Marker::I8 => skip(r, 1),
            Marker::U16 | Marker::I16 => skip(r, 2),
            Marker::U32 | Marker::I32 | Marker::F32 => skip(r, 4),
            Marker::U64 | Marker::I64 | Marker::F64 => skip(r, 8),
            Marker::FixStr(n) => skip(r, n as usize),
            Marker::Str8 => {
                let n = r[0] as usize;
                skip(r, 1 + n)
            }
            Marker::FixMap(n) => {
                for _ in 0..2 * n {
                    skip_value(r)
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
