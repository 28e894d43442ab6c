//! `query_string_from_dict`'s core (`query_string`): the output only uses unreserved
//! characters, `%XX`, `=` and `&`, and decodes back to exactly the fields given (an empty
//! array adds nothing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rustnet_core::http::request::{query_string, QueryValue};

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("decodes to UTF-8")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Fields separated by '\n'; key and value by '\t'; no '\t' = null; array items by '\x01'
    // after a leading '\x02'.
    let mut fields: Vec<(String, QueryValue)> = Vec::new();
    for line in text.split('\n').filter(|l| !l.is_empty()) {
        let value = match line.split_once('\t') {
            None => (line.to_string(), QueryValue::Nil),
            Some((k, v)) => match v.strip_prefix('\x02') {
                Some(items) => (
                    k.to_string(),
                    QueryValue::List(items.split('\x01').map(str::to_string).collect()),
                ),
                None => (k.to_string(), QueryValue::One(v.to_string())),
            },
        };
        fields.push(value);
    }
    let q = query_string(&fields);
    assert!(
        q.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-~%=&".contains(&b)),
        "{q:?}"
    );
    let mut expected: Vec<(String, Option<String>)> = Vec::new();
    for (k, v) in &fields {
        match v {
            QueryValue::Nil => expected.push((k.clone(), None)),
            QueryValue::One(v) => expected.push((k.clone(), Some(v.clone()))),
            QueryValue::List(items) => {
                expected.extend(items.iter().map(|i| (k.clone(), Some(i.clone()))))
            }
        }
    }
    let got: Vec<(String, Option<String>)> = if q.is_empty() {
        Vec::new()
    } else {
        q.split('&')
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (decode(k), Some(decode(v))),
                None => (decode(p), None),
            })
            .collect()
    };
    if q.is_empty() {
        // Only possible when every field contributes nothing... or one empty null key.
        assert!(expected.iter().all(|(k, v)| k.is_empty() && v.is_none()) || expected.is_empty());
    } else {
        assert_eq!(got, expected);
    }
});
