//! Decoding shared by the CPython vector tests: the generators write text
//! and bytes as hex, floats as their IEEE bits, and values as a one-letter
//! tag followed by the payload.

#![allow(dead_code)]

use attologging_engine::value::OwnedValue;

pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex: {s}");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

pub fn text(s: &str) -> String {
    String::from_utf8(unhex(s)).expect("utf-8 text")
}

/// `N`, `B1`/`B0`, `i<int>`, `I<big int>`, `f<bits hex>`, `s<hex>`, `y<hex>`, `r<hex>`.
pub fn decode_value(tok: &str) -> OwnedValue {
    let (tag, body) = tok.split_at(1);
    match tag {
        "N" => OwnedValue::None,
        "B" => OwnedValue::Bool(body == "1"),
        "i" => OwnedValue::Int(body.parse().expect("i64")),
        "I" => OwnedValue::BigInt(body.to_string()),
        "f" => OwnedValue::Float(f64::from_bits(u64::from_str_radix(body, 16).expect("bits"))),
        "s" => OwnedValue::Str(text(body)),
        "y" => OwnedValue::Bytes(unhex(body)),
        "r" => OwnedValue::Rendered(text(body)),
        _ => panic!("bad value token {tok}"),
    }
}
