//! A JSON value as a list of leaves: (key path, scalar) pairs in document order, and back.
//!
//! A key path is a byte string of segments. An object member is reached by its key; an
//! array element by its *identity* when it has one, so that an element leaving an array
//! does not shift the paths of the elements after it:
//!
//! | segment | element | bytes |
//! | --- | --- | --- |
//! | key | object member | `k` len key |
//! | pid | object with an integer `pid` | `p` pid occ |
//! | path | object with a string `path` | `s` len path occ |
//! | zone | object with an integer `node` and a string `zone` | `z` node len zone occ |
//! | name | object with a string `name`, or a 2-element array whose first element is a string | `n` len name occ |
//! | index | any other element | `i` index |
//!
//! (numbers are LEB128 varints; `occ` counts earlier elements of the same array with the
//! same identity, 0 for the first). Empty objects and arrays are leaves of their own, so
//! the leaves describe the value exactly, and array order is the order of the leaves.

use std::collections::HashMap;

use serde_json::{Number, Value};

use crate::varint::{put_str, put_varint, Cursor};

pub(crate) const SEG_KEY: u8 = b'k';
pub(crate) const SEG_INDEX: u8 = b'i';
pub(crate) const SEG_PID: u8 = b'p';
pub(crate) const SEG_PATH: u8 = b's';
pub(crate) const SEG_ZONE: u8 = b'z';
pub(crate) const SEG_NAME: u8 = b'n';

/// A JSON scalar, or an empty container.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    /// Every JSON integer fits (`u64` and `i64` alike).
    Int(i128),
    /// The bits of an `f64`: compared exactly.
    Float(u64),
    Str(Box<str>),
    EmptyArray,
    EmptyObject,
}

impl Scalar {
    fn of(v: &Value) -> Option<Scalar> {
        Some(match v {
            Value::Null => Scalar::Null,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Number(n) => number(n),
            Value::String(s) => Scalar::Str(s.as_str().into()),
            Value::Array(a) if a.is_empty() => Scalar::EmptyArray,
            Value::Object(m) if m.is_empty() => Scalar::EmptyObject,
            _ => return None,
        })
    }
}

fn number(n: &Number) -> Scalar {
    if let Some(u) = n.as_u64() {
        Scalar::Int(u as i128)
    } else if let Some(i) = n.as_i64() {
        Scalar::Int(i as i128)
    } else {
        Scalar::Float(n.as_f64().unwrap_or(f64::NAN).to_bits())
    }
}

/// One scalar of a value and the path to it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Leaf {
    pub path: Box<[u8]>,
    pub value: Scalar,
}

/// The leaves of `v`, in document order.
pub(crate) fn flatten(v: &Value) -> Vec<Leaf> {
    let mut out = Vec::new();
    let mut path = Vec::with_capacity(128);
    walk(v, &mut path, &mut out);
    out
}

fn walk(v: &Value, path: &mut Vec<u8>, out: &mut Vec<Leaf>) {
    if let Some(s) = Scalar::of(v) {
        out.push(Leaf {
            path: path.as_slice().into(),
            value: s,
        });
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let l = path.len();
                path.push(SEG_KEY);
                put_str(path, k);
                walk(c, path, out);
                path.truncate(l);
            }
        }
        Value::Array(a) => {
            let mut seen: Option<HashMap<Vec<u8>, u64>> = None;
            for (i, e) in a.iter().enumerate() {
                let l = path.len();
                if identity(e, path) {
                    let seen = seen.get_or_insert_with(HashMap::new);
                    let occ = match seen.get_mut(&path[l..]) {
                        Some(n) => {
                            *n += 1;
                            *n
                        }
                        None => {
                            seen.insert(path[l..].to_vec(), 0);
                            0
                        }
                    };
                    put_varint(path, occ as u128);
                } else {
                    path.push(SEG_INDEX);
                    put_varint(path, i as u128);
                }
                walk(e, path, out);
                path.truncate(l);
            }
        }
        _ => unreachable!("scalars are leaves"),
    }
}

/// Appends the identity segment of an array element (without its occurrence number);
/// false when it has none.
fn identity(e: &Value, path: &mut Vec<u8>) -> bool {
    match e {
        Value::Object(m) => {
            if let Some(pid) = m.get("pid").and_then(Value::as_u64) {
                path.push(SEG_PID);
                put_varint(path, pid as u128);
            } else if let Some(p) = m.get("path").and_then(Value::as_str) {
                path.push(SEG_PATH);
                put_str(path, p);
            } else if let (Some(node), Some(zone)) = (
                m.get("node").and_then(Value::as_u64),
                m.get("zone").and_then(Value::as_str),
            ) {
                path.push(SEG_ZONE);
                put_varint(path, node as u128);
                put_str(path, zone);
            } else if let Some(n) = m.get("name").and_then(Value::as_str) {
                path.push(SEG_NAME);
                put_str(path, n);
            } else {
                return false;
            }
            true
        }
        Value::Array(a) => match a.as_slice() {
            [Value::String(n), _] => {
                path.push(SEG_NAME);
                put_str(path, n);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// Where each segment of a path ends, and whether it is an object key.
fn segments(path: &[u8], out: &mut Vec<(usize, bool)>) -> Result<(), String> {
    out.clear();
    let mut c = Cursor::new(path);
    while !c.is_empty() {
        let tag = c.byte()?;
        match tag {
            SEG_KEY => {
                c.str()?;
            }
            SEG_INDEX => {
                c.varint()?;
            }
            SEG_PID => {
                c.varint()?;
                c.varint()?;
            }
            SEG_PATH | SEG_NAME => {
                c.str()?;
                c.varint()?;
            }
            SEG_ZONE => {
                c.varint()?;
                c.str()?;
                c.varint()?;
            }
            t => return Err(format!("unknown path segment {t:#04x}")),
        }
        out.push((c.pos(), tag == SEG_KEY));
    }
    Ok(())
}

/// The member name of the key segment of `path` ending at `end` and starting at `start`.
fn key_of(path: &[u8], start: usize) -> Result<&str, String> {
    let mut c = Cursor::new(&path[start..]);
    c.byte()?;
    c.str()
}

fn put_scalar_json(out: &mut Vec<u8>, s: &Scalar) -> Result<(), String> {
    use std::io::Write;
    match s {
        Scalar::Null => out.extend_from_slice(b"null"),
        Scalar::Bool(true) => out.extend_from_slice(b"true"),
        Scalar::Bool(false) => out.extend_from_slice(b"false"),
        Scalar::Int(i) => write!(out, "{i}").expect("writing to memory"),
        Scalar::Float(bits) => {
            let f = f64::from_bits(*bits);
            if !f.is_finite() {
                return Err("a float that is not finite".into());
            }
            serde_json::to_writer(&mut *out, &f).map_err(|e| e.to_string())?
        }
        Scalar::Str(s) => serde_json::to_writer(&mut *out, &**s).map_err(|e| e.to_string())?,
        Scalar::EmptyArray => out.extend_from_slice(b"[]"),
        Scalar::EmptyObject => out.extend_from_slice(b"{}"),
    }
    Ok(())
}

/// An open object or array while writing JSON.
struct Level {
    object: bool,
    empty: bool,
}

/// Before a member or element of the innermost container: a comma, and the key.
fn enter(
    out: &mut Vec<u8>,
    stack: &mut [Level],
    path: &[u8],
    start: usize,
    is_key: bool,
) -> Result<(), String> {
    let top = stack.last_mut().expect("the root stays");
    if top.object != is_key {
        return Err("an object member and an array element at one place".into());
    }
    if !top.empty {
        out.push(b',');
    }
    top.empty = false;
    if is_key {
        serde_json::to_writer(&mut *out, key_of(path, start)?).map_err(|e| e.to_string())?;
        out.push(b':');
    }
    Ok(())
}

fn close(out: &mut Vec<u8>, l: Level) {
    out.push(if l.object { b'}' } else { b']' });
}

/// The JSON text of the value whose leaves these are (the inverse of [`flatten`]).
pub(crate) fn to_json(leaves: &[Leaf], out: &mut Vec<u8>) -> Result<(), String> {
    let first = leaves.first().ok_or("no values")?;
    let mut segs = Vec::new();
    segments(&first.path, &mut segs)?;
    let Some(&(_, root_is_object)) = segs.first() else {
        return match leaves {
            [only] => put_scalar_json(out, &only.value),
            _ => Err("a scalar root with more than one value".into()),
        };
    };
    out.push(if root_is_object { b'{' } else { b'[' });
    let mut stack = vec![Level {
        object: root_is_object,
        empty: true,
    }];
    let mut prev: &[u8] = &[];
    for leaf in leaves {
        let path = &leaf.path[..];
        segments(path, &mut segs)?;
        if segs.is_empty() {
            return Err("a scalar root with more than one value".into());
        }
        // Segments are self-delimiting: those within the bytes shared with the previous
        // path are the same segments, and so the same open containers.
        let shared = prev.iter().zip(path).take_while(|(a, b)| a == b).count();
        let same = segs.iter().take_while(|(end, _)| *end <= shared).count();
        let common = same.min(stack.len() - 1);
        if common == segs.len() {
            return Err("a path that is both a container and a value".into());
        }
        while stack.len() > common + 1 {
            close(out, stack.pop().expect("deeper than common"));
        }
        for d in common..segs.len() - 1 {
            let start = if d == 0 { 0 } else { segs[d - 1].0 };
            enter(out, &mut stack, path, start, segs[d].1)?;
            let object = segs[d + 1].1;
            out.push(if object { b'{' } else { b'[' });
            stack.push(Level {
                object,
                empty: true,
            });
        }
        let n = segs.len();
        let start = if n == 1 { 0 } else { segs[n - 2].0 };
        enter(out, &mut stack, path, start, segs[n - 1].1)?;
        put_scalar_json(out, &leaf.value)?;
        prev = path;
    }
    while let Some(l) = stack.pop() {
        close(out, l);
    }
    Ok(())
}

/// The leaf at `path`, if any.
pub(crate) fn find<'a>(leaves: &'a [Leaf], keys: &[&str]) -> Option<&'a Scalar> {
    let mut p = Vec::new();
    for k in keys {
        p.push(SEG_KEY);
        put_str(&mut p, k);
    }
    leaves.iter().find(|l| *l.path == *p).map(|l| &l.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_round_trip_through_their_leaves() {
        for v in [
            json!({}),
            json!([]),
            json!(3),
            json!({"a": [], "b": {}, "c": [[], {}, [1, [2, {"x": null}]]]}),
            json!({"p": [{"pid": 3, "x": 1.5}, {"pid": 1, "x": -2}, {"pid": 3, "x": true}]}),
            json!({"s": [{"path": "/a", "v": 1}, {"path": "/a", "v": 2}, {"k": "no id"}]}),
            json!({"z": [{"node": 0, "zone": "DMA"}, {"node": 1, "zone": "DMA"}]}),
            json!({"n": [["a", 1], ["b", 2], ["a", 3], [1, "x"], "s", 18446744073709551615u64, -9223372036854775808i64]}),
            json!({"f": [1.0, -0.0, 0.1, 1e300, "ünïcode \u{0} \"q\""]}),
        ] {
            let leaves = flatten(&v);
            let mut text = Vec::new();
            to_json(&leaves, &mut text).unwrap();
            let back: Value = serde_json::from_slice(&text).unwrap();
            assert_eq!(back, v, "{v}");
            assert_eq!(text, serde_json::to_vec(&v).unwrap());
        }
    }

    #[test]
    fn an_element_leaving_shifts_no_other_path() {
        let a =
            flatten(&json!({"p": [{"pid": 1, "m": 1}, {"pid": 2, "m": 2}, {"pid": 3, "m": 3}]}));
        let b = flatten(&json!({"p": [{"pid": 1, "m": 1}, {"pid": 3, "m": 3}]}));
        assert_eq!(a.len(), 6);
        assert_eq!(b, [&a[..2], &a[4..]].concat());
    }
}
