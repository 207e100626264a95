//! The payload of a frame: a key frame lists every leaf; a delta frame says how the leaves
//! of the previous frame became these. Both are deflated (raw DEFLATE, RFC 1951).
//! FORMAT.md describes the bytes.

use std::collections::HashMap;
use std::io::{Read, Write};

use crate::flat::{Leaf, Scalar};
use crate::varint::{put_str, put_varint, unzigzag, zigzag, Cursor};

/// The most bytes a payload may inflate to.
pub(crate) const MAX_INFLATED: u64 = 1 << 30;

const T_NULL: u8 = 0;
const T_FALSE: u8 = 1;
const T_TRUE: u8 = 2;
const T_INT: u8 = 3;
const T_FLOAT: u8 = 4;
const T_STR: u8 = 5;
const T_EMPTY_ARRAY: u8 = 6;
const T_EMPTY_OBJECT: u8 = 7;

/// Op of a kept leaf: unchanged.
const OP_SAME: u128 = 0;
/// Op of a kept leaf: a new value follows.
const OP_VALUE: u128 = 1;

fn put_scalar(out: &mut Vec<u8>, s: &Scalar) {
    match s {
        Scalar::Null => out.push(T_NULL),
        Scalar::Bool(false) => out.push(T_FALSE),
        Scalar::Bool(true) => out.push(T_TRUE),
        Scalar::Int(i) => {
            out.push(T_INT);
            put_varint(out, zigzag(*i));
        }
        Scalar::Float(bits) => {
            out.push(T_FLOAT);
            out.extend_from_slice(&bits.to_le_bytes());
        }
        Scalar::Str(s) => {
            out.push(T_STR);
            put_str(out, s);
        }
        Scalar::EmptyArray => out.push(T_EMPTY_ARRAY),
        Scalar::EmptyObject => out.push(T_EMPTY_OBJECT),
    }
}

fn scalar(c: &mut Cursor) -> Result<Scalar, String> {
    Ok(match c.byte()? {
        T_NULL => Scalar::Null,
        T_FALSE => Scalar::Bool(false),
        T_TRUE => Scalar::Bool(true),
        T_INT => Scalar::Int(int(unzigzag(c.varint()?))?),
        T_FLOAT => Scalar::Float(u64::from_le_bytes(c.bytes(8)?.try_into().expect("8 bytes"))),
        T_STR => Scalar::Str(c.str()?.into()),
        T_EMPTY_ARRAY => Scalar::EmptyArray,
        T_EMPTY_OBJECT => Scalar::EmptyObject,
        t => return Err(format!("unknown value type {t}")),
    })
}

/// A JSON integer: within `i64::MIN..=u64::MAX`.
fn int(i: i128) -> Result<i128, String> {
    if (i64::MIN as i128..=u64::MAX as i128).contains(&i) {
        Ok(i)
    } else {
        Err(format!("integer {i} out of range"))
    }
}

/// `path` as the length of the prefix it shares with `prev`, then the rest.
fn put_path(out: &mut Vec<u8>, prev: &[u8], path: &[u8]) {
    let shared = prev.iter().zip(path).take_while(|(a, b)| a == b).count();
    put_varint(out, shared as u128);
    put_varint(out, (path.len() - shared) as u128);
    out.extend_from_slice(&path[shared..]);
}

fn path(c: &mut Cursor, prev: &[u8]) -> Result<Box<[u8]>, String> {
    let shared = c.usize()?;
    let rest = c.usize()?;
    if shared > prev.len() {
        return Err("a path sharing more than the previous one has".into());
    }
    let mut p = Vec::with_capacity(shared + rest);
    p.extend_from_slice(&prev[..shared]);
    p.extend_from_slice(c.bytes(rest)?);
    Ok(p.into())
}

/// The uncompressed payload of a key frame.
pub(crate) fn encode_key(leaves: &[Leaf], out: &mut Vec<u8>) {
    put_varint(out, leaves.len() as u128);
    let mut prev: &[u8] = &[];
    for l in leaves {
        put_path(out, prev, &l.path);
        put_scalar(out, &l.value);
        prev = &l.path;
    }
}

pub(crate) fn decode_key(buf: &[u8]) -> Result<Vec<Leaf>, String> {
    let mut c = Cursor::new(buf);
    let n = c.usize()?;
    let mut out: Vec<Leaf> = Vec::with_capacity(n.min(buf.len()));
    for _ in 0..n {
        let p = path(&mut c, out.last().map_or(&[][..], |l| &l.path))?;
        out.push(Leaf {
            path: p,
            value: scalar(&mut c)?,
        });
    }
    if !c.is_empty() {
        return Err("bytes after the last value".into());
    }
    Ok(out)
}

fn put_op(out: &mut Vec<u8>, old: &Scalar, new: &Scalar) {
    match (old, new) {
        (Scalar::Int(a), Scalar::Int(b)) => {
            let d = b - a;
            put_varint(out, if d == 0 { OP_SAME } else { zigzag(d) << 1 });
        }
        _ if old == new => put_varint(out, OP_SAME),
        _ => {
            put_varint(out, OP_VALUE);
            put_scalar(out, new);
        }
    }
}

fn apply_op(c: &mut Cursor, v: &mut Scalar) -> Result<(), String> {
    match c.varint()? {
        OP_SAME => {}
        OP_VALUE => *v = scalar(c)?,
        u if u & 1 == 0 => match v {
            Scalar::Int(i) => {
                *i = int(i
                    .checked_add(unzigzag(u >> 1))
                    .ok_or("integer out of range")?)?
            }
            _ => return Err("an integer change to a value that is not an integer".into()),
        },
        u => return Err(format!("unknown change {u}")),
    }
    Ok(())
}

/// The uncompressed payload of a delta frame turning `old` into `new`; `None` when the
/// leaves both hold are not in the same order in both (then a key frame is written).
pub(crate) fn encode_delta(old: &[Leaf], new: &[Leaf], out: &mut Vec<u8>) -> Option<()> {
    let same_paths = old.len() == new.len() && old.iter().zip(new).all(|(a, b)| a.path == b.path);
    if same_paths {
        put_varint(out, 0);
        put_varint(out, 0);
        for (a, b) in old.iter().zip(new) {
            put_op(out, &a.value, &b.value);
        }
        return Some(());
    }
    let index: HashMap<&[u8], usize> = old
        .iter()
        .enumerate()
        .map(|(i, l)| (&l.path[..], i))
        .collect();
    // For each new leaf, the old one it continues.
    let mut from = Vec::with_capacity(new.len());
    let mut kept = vec![false; old.len()];
    let mut last: Option<usize> = None;
    for l in new {
        let i = index.get(&l.path[..]).copied();
        if let Some(i) = i {
            if last.is_some_and(|p| p >= i) {
                return None;
            }
            last = Some(i);
            kept[i] = true;
        }
        from.push(i);
    }
    let removed: Vec<usize> = (0..old.len()).filter(|&i| !kept[i]).collect();
    put_varint(out, removed.len() as u128);
    let mut next = 0;
    for &i in &removed {
        put_varint(out, (i - next) as u128);
        next = i + 1;
    }
    let inserted = from.iter().filter(|f| f.is_none()).count();
    put_varint(out, inserted as u128);
    let mut next = 0;
    let mut prev: &[u8] = &[];
    for (j, l) in new.iter().enumerate() {
        if from[j].is_none() {
            put_varint(out, (j - next) as u128);
            next = j + 1;
            put_path(out, prev, &l.path);
            put_scalar(out, &l.value);
            prev = &l.path;
        }
    }
    for (j, l) in new.iter().enumerate() {
        if let Some(i) = from[j] {
            put_op(out, &old[i].value, &l.value);
        }
    }
    Some(())
}

/// Applies a delta payload to the leaves of the frame before it.
pub(crate) fn apply_delta(old: Vec<Leaf>, buf: &[u8]) -> Result<Vec<Leaf>, String> {
    let mut c = Cursor::new(buf);
    let n_removed = c.usize()?;
    if n_removed > old.len() {
        return Err("more leaves removed than there are".into());
    }
    let mut removed = Vec::with_capacity(n_removed);
    let mut next = 0usize;
    for _ in 0..n_removed {
        let i = next.checked_add(c.usize()?).ok_or("a gap too large")?;
        if i >= old.len() {
            return Err("a removed leaf past the end".into());
        }
        removed.push(i);
        next = i + 1;
    }
    let n_inserted = c.usize()?;
    let new_len = (old.len() - n_removed)
        .checked_add(n_inserted)
        .ok_or("too many leaves")?;
    let mut inserted: Vec<(usize, Leaf)> = Vec::with_capacity(n_inserted.min(buf.len()));
    let mut next = 0usize;
    for _ in 0..n_inserted {
        let j = next.checked_add(c.usize()?).ok_or("a gap too large")?;
        if j >= new_len {
            return Err("an added leaf past the end".into());
        }
        let p = path(&mut c, inserted.last().map_or(&[][..], |(_, l)| &l.path))?;
        inserted.push((
            j,
            Leaf {
                path: p,
                value: scalar(&mut c)?,
            },
        ));
        next = j + 1;
    }
    let out = if removed.is_empty() && inserted.is_empty() {
        let mut leaves = old;
        for l in &mut leaves {
            apply_op(&mut c, &mut l.value)?;
        }
        leaves
    } else {
        let mut out = Vec::with_capacity(new_len);
        let mut removed = removed.into_iter().peekable();
        let mut inserted = inserted.into_iter().peekable();
        let mut kept = old
            .into_iter()
            .enumerate()
            .filter(|(i, _)| {
                if removed.peek() == Some(i) {
                    removed.next();
                    false
                } else {
                    true
                }
            })
            .map(|(_, l)| l);
        for j in 0..new_len {
            if inserted.peek().is_some_and(|(at, _)| *at == j) {
                out.push(inserted.next().expect("peeked").1);
            } else {
                let mut l = kept.next().ok_or("fewer leaves than said")?;
                apply_op(&mut c, &mut l.value)?;
                out.push(l);
            }
        }
        out
    };
    if !c.is_empty() {
        return Err("bytes after the last change".into());
    }
    Ok(out)
}

pub(crate) fn deflate(raw: &[u8], level: u32) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(raw.len() / 8 + 64),
        flate2::Compression::new(level),
    );
    e.write_all(raw).expect("writing to memory");
    e.finish().expect("writing to memory")
}

pub(crate) fn inflate(payload: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(payload.len() * 8);
    flate2::read::DeflateDecoder::new(payload)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("deflate: {e}"))?;
    if out.len() as u64 > MAX_INFLATED {
        return Err(format!("inflates past {MAX_INFLATED} bytes"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flat::flatten;
    use serde_json::json;

    fn delta(a: &serde_json::Value, b: &serde_json::Value) -> Option<Vec<u8>> {
        let (a, b) = (flatten(a), flatten(b));
        let mut out = Vec::new();
        encode_delta(&a, &b, &mut out)?;
        assert_eq!(apply_delta(a, &out).unwrap(), b);
        Some(out)
    }

    #[test]
    fn deltas_turn_one_value_into_the_next() {
        let a = json!({"t": 5, "p": [{"pid": 1, "m": 10, "c": "a"}, {"pid": 2, "m": 20}, {"pid": 9, "f": 0.5}]});
        let b = json!({"t": 10, "p": [{"pid": 0, "new": true}, {"pid": 1, "m": 11, "c": "b"}, {"pid": 9, "f": 0.25}, {"pid": 10, "m": []}]});
        delta(&a, &b).unwrap();
        delta(&b, &a).unwrap();
        delta(&a, &json!(1)).unwrap();
        delta(&json!({}), &a).unwrap();
        // Nothing changed: one zero byte per leaf, after the two empty lists.
        assert_eq!(delta(&a, &a).unwrap(), vec![0; 2 + flatten(&a).len()]);
        // Integer changes and type changes.
        let c = json!({"t": u64::MAX, "p": [{"pid": 1, "m": -3, "c": null}, {"pid": 2, "m": 1.5}, {"pid": 9, "f": 7}]});
        delta(&a, &c).unwrap();
        delta(&c, &a).unwrap();
        // The same paths in another order: no delta.
        let r = json!({"p": [{"pid": 2, "m": 20}, {"pid": 1, "m": 10, "c": "a"}, {"pid": 9, "f": 0.5}], "t": 5});
        assert!(delta(&a, &r).is_none());
    }

    #[test]
    fn key_frames_list_every_leaf() {
        let a = flatten(&json!({"t": 5, "p": [{"pid": 1, "m": 10, "c": "a"}, {"x": [[], {}]}]}));
        let mut out = Vec::new();
        encode_key(&a, &mut out);
        assert_eq!(decode_key(&out).unwrap(), a);
        let raw = deflate(&out, 6);
        assert_eq!(inflate(&raw).unwrap(), out);
        assert!(decode_key(&out[..out.len() - 1]).is_err());
    }
}
