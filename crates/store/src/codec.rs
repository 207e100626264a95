//! The payload of a frame: a key frame lists every leaf; a delta frame says how the leaves
//! of the previous frame became these. Both are deflated (raw DEFLATE, RFC 1951).
//! FORMAT.md describes the bytes.

use std::io::{Read, Write};

use crate::flat::{common, hash, HashIndex, Leaves, Scalar};
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

/// Version 1 ops, one per kept leaf: unchanged.
const OP_SAME: u128 = 0;
/// Version 1: a new value follows (integer changes are even, `zigzag(d) << 1`).
const OP_VALUE: u128 = 1;
/// Version 2 ops: odd is a run of `(u >> 1) + 1` unchanged leaves; 2 is a new value; a
/// multiple of 4 is an integer change `zigzag(d) << 2`; leaves after the last op are
/// unchanged. A delta of a quiet machine is then a few ops, and replaying it touches
/// only what changed.
const OP2_VALUE: u128 = 2;

fn put_scalar(out: &mut Vec<u8>, s: &Scalar) {
    match s {
        Scalar::Null => out.push(T_NULL),
        Scalar::Bool(false) => out.push(T_FALSE),
        Scalar::Bool(true) => out.push(T_TRUE),
        Scalar::Int(_) | Scalar::Big(_) => {
            out.push(T_INT);
            put_varint(out, zigzag(s.as_i128().expect("an integer")));
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
        T_INT => Scalar::integer(int(unzigzag(c.varint()?))?),
        T_FLOAT => Scalar::Float(u64::from_le_bytes(c.bytes(8)?.try_into().expect("8 bytes"))),
        T_STR => Scalar::string(c.str()?),
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
    let shared = common(prev, path);
    put_varint(out, shared as u128);
    put_varint(out, (path.len() - shared) as u128);
    out.extend_from_slice(&path[shared..]);
}

/// A path as [`put_path`] wrote it, whole.
fn path(c: &mut Cursor, prev: &[u8]) -> Result<Vec<u8>, String> {
    let shared = c.usize()?;
    let rest = c.usize()?;
    if shared > prev.len() {
        return Err("a path sharing more than the previous one has".into());
    }
    let mut p = Vec::with_capacity(shared + rest);
    p.extend_from_slice(&prev[..shared]);
    p.extend_from_slice(c.bytes(rest)?);
    Ok(p)
}

/// The uncompressed payload of a key frame.
pub(crate) fn encode_key(leaves: &Leaves, out: &mut Vec<u8>) {
    put_varint(out, leaves.len() as u128);
    for i in 0..leaves.len() {
        let rest = leaves.rest(i);
        put_varint(out, leaves.shared(i) as u128);
        put_varint(out, rest.len() as u128);
        out.extend_from_slice(rest);
        put_scalar(out, &leaves.values[i]);
    }
}

pub(crate) fn decode_key(buf: &[u8]) -> Result<Leaves, String> {
    let mut c = Cursor::new(buf);
    let n = c.usize()?;
    let mut out = Leaves::with_capacity(n.min(buf.len()));
    for _ in 0..n {
        let shared = c.usize()?;
        let rest = c.usize()?;
        let rest = c.bytes(rest)?;
        out.push(shared, rest, scalar(&mut c)?)?;
    }
    if !c.is_empty() {
        return Err("bytes after the last value".into());
    }
    Ok(out)
}

/// Writes the version 2 op turning `old` into `new`; false when they are the same.
/// Unchanged leaves are counted in `run` and written as one op before the next change
/// (the last run is left out).
pub(crate) fn put_op(out: &mut Vec<u8>, run: &mut u128, old: &Scalar, new: &Scalar) -> bool {
    let d = match (old, new) {
        _ if old == new => Some(0),
        (a, b) if a.as_i128().is_some() && b.as_i128().is_some() => {
            Some(b.as_i128().expect("an integer") - a.as_i128().expect("an integer"))
        }
        _ => None,
    };
    if d == Some(0) {
        *run += 1;
        return false;
    }
    if *run > 0 {
        put_varint(out, ((*run - 1) << 1) | 1);
        *run = 0;
    }
    match d {
        Some(d) => put_varint(out, zigzag(d) << 2),
        None => {
            put_varint(out, OP2_VALUE);
            put_scalar(out, new);
        }
    }
    true
}

/// Reads ops, one kept leaf at a time, in either version.
struct OpReader<'a, 'b> {
    c: &'b mut Cursor<'a>,
    v2: bool,
    /// Leaves left in the current run.
    run: u128,
}

impl OpReader<'_, '_> {
    fn apply(&mut self, v: &mut Scalar) -> Result<(), String> {
        if self.run > 0 {
            self.run -= 1;
            return Ok(());
        }
        if !self.v2 {
            return apply_op_v1(self.c, v);
        }
        if self.c.is_empty() {
            // Past the last op: unchanged.
            return Ok(());
        }
        match self.c.varint()? {
            u if u & 1 == 1 => self.run = u >> 1,
            OP2_VALUE => *v = scalar(self.c)?,
            u if u & 3 == 0 && u != 0 => add(v, unzigzag(u >> 2))?,
            u => return Err(format!("unknown change {u}")),
        }
        Ok(())
    }
}

fn add(v: &mut Scalar, d: i128) -> Result<(), String> {
    match v.as_i128() {
        Some(i) => {
            *v = Scalar::integer(int(i.checked_add(d).ok_or("integer out of range")?)?);
            Ok(())
        }
        None => Err("an integer change to a value that is not an integer".into()),
    }
}

fn apply_op_v1(c: &mut Cursor, v: &mut Scalar) -> Result<(), String> {
    match c.varint()? {
        OP_SAME => {}
        OP_VALUE => *v = scalar(c)?,
        u if u & 1 == 0 => add(v, unzigzag(u >> 1))?,
        u => return Err(format!("unknown change {u}")),
    }
    Ok(())
}

/// The uncompressed payload (version 2) of a delta frame turning `old` into `new`;
/// `None` when the leaves both hold are not in the same order in both (then a key frame
/// is written).
pub(crate) fn encode_delta(old: &Leaves, new: &Leaves, out: &mut Vec<u8>) -> Option<()> {
    // Old paths by hash; a hash two old paths share gives up on a delta (`u32::MAX`).
    let mut index: HashIndex<u32> = HashIndex::default();
    index.reserve(old.len());
    old.each_path(|i, p| {
        index
            .entry(hash(p))
            .and_modify(|v| *v = u32::MAX)
            .or_insert(i as u32);
        Ok::<(), ()>(())
    })
    .ok()?;
    // For each new leaf, the old one it continues (by hash, checked below); the inserted
    // ones, written as they come (gap, path after the last inserted, value).
    let mut from: Vec<Option<u32>> = Vec::with_capacity(new.len());
    let mut kept = vec![false; old.len()];
    let mut last: Option<usize> = None;
    let mut inserted = Vec::new();
    let (mut n_inserted, mut next) = (0usize, 0usize);
    let mut prev_inserted: Vec<u8> = Vec::new();
    new.each_path(|j, p| {
        let i = match index.get(&hash(p)) {
            Some(&u32::MAX) => return Err(()),
            i => i.map(|&i| i as usize),
        };
        match i {
            Some(i) => {
                if last.is_some_and(|l| l >= i) {
                    return Err(());
                }
                last = Some(i);
                kept[i] = true;
            }
            None => {
                put_varint(&mut inserted, (j - next) as u128);
                next = j + 1;
                put_path(&mut inserted, &prev_inserted, p);
                put_scalar(&mut inserted, &new.values[j]);
                prev_inserted.clear();
                prev_inserted.extend_from_slice(p);
                n_inserted += 1;
            }
        }
        from.push(i.map(|i| i as u32));
        Ok(())
    })
    .ok()?;
    drop(index);
    // Matched by hash: check that the paths are the same, walking both in step.
    let mut old_path = Vec::with_capacity(128);
    let mut oi = 0usize;
    new.each_path(|j, p| {
        let Some(i) = from[j] else { return Ok(()) };
        while oi <= i as usize {
            old_path.truncate(old.shared(oi));
            old_path.extend_from_slice(old.rest(oi));
            oi += 1;
        }
        if old_path == p {
            Ok(())
        } else {
            Err(())
        }
    })
    .ok()?;
    let removed: Vec<usize> = (0..old.len()).filter(|&i| !kept[i]).collect();
    put_varint(out, removed.len() as u128);
    let mut next = 0;
    for &i in &removed {
        put_varint(out, (i - next) as u128);
        next = i + 1;
    }
    put_varint(out, n_inserted as u128);
    out.extend_from_slice(&inserted);
    let mut run = 0;
    for (j, f) in from.iter().enumerate() {
        if let Some(i) = f {
            put_op(out, &mut run, &old.values[*i as usize], &new.values[j]);
        }
    }
    Some(())
}

/// Applies a delta payload of segment format `version` to the leaves of the frame
/// before it.
pub(crate) fn apply_delta(mut old: Leaves, buf: &[u8], version: u32) -> Result<Leaves, String> {
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
    let mut inserted: Vec<(usize, Vec<u8>, Scalar)> = Vec::with_capacity(n_inserted.min(buf.len()));
    let mut next = 0usize;
    for _ in 0..n_inserted {
        let j = next.checked_add(c.usize()?).ok_or("a gap too large")?;
        if j >= new_len {
            return Err("an added leaf past the end".into());
        }
        let p = path(&mut c, inserted.last().map_or(&[][..], |(_, p, _)| &p[..]))?;
        inserted.push((j, p, scalar(&mut c)?));
        next = j + 1;
    }
    let v2 = version >= 2;
    if removed.is_empty() && inserted.is_empty() {
        if v2 {
            // Only the leaves that changed are touched.
            let mut i: usize = 0;
            while !c.is_empty() {
                match c.varint()? {
                    u if u & 1 == 1 => {
                        i = usize::try_from(u >> 1)
                            .ok()
                            .and_then(|n| i.checked_add(n + 1))
                            .filter(|&n| n <= old.len())
                            .ok_or("a run past the end")?
                    }
                    u => {
                        let v = old.values.get_mut(i).ok_or("a change past the end")?;
                        match u {
                            OP2_VALUE => *v = scalar(&mut c)?,
                            u if u & 3 == 0 && u != 0 => add(v, unzigzag(u >> 2))?,
                            u => return Err(format!("unknown change {u}")),
                        }
                        i += 1;
                    }
                }
            }
        } else {
            let mut ops = OpReader {
                c: &mut c,
                v2,
                run: 0,
            };
            for v in &mut old.values {
                ops.apply(v)?;
            }
        }
        if !c.is_empty() {
            return Err("bytes after the last change".into());
        }
        return Ok(old);
    }
    let mut out = Leaves::with_capacity(new_len);
    let mut ops = OpReader {
        c: &mut c,
        v2,
        run: 0,
    };
    let mut removed = removed.into_iter().peekable();
    let mut inserted = inserted.into_iter().peekable();
    // `old_path` is the whole path of old leaf `oi - 1`; `last` that of the new leaf
    // before, kept only across a removal or an insertion. A kept leaf right after the
    // old leaf before it keeps its front coding as it is; only the first after a change
    // is coded again against its new neighbour.
    let (mut last, mut old_path) = (Vec::with_capacity(128), Vec::with_capacity(128));
    let mut oi = 0usize;
    // Whether the new leaf before is old leaf `oi - 1` (so `old_path` is its path).
    let mut follows = false;
    for j in 0..new_len {
        if inserted.peek().is_some_and(|(at, _, _)| *at == j) {
            let (_, p, v) = inserted.next().expect("peeked");
            if follows {
                last.clear();
                last.extend_from_slice(&old_path);
            }
            out.push_after(&last, &p, v);
            last = p;
            follows = false;
            continue;
        }
        // The next old leaf not removed, its path rebuilt on the way.
        let mut moved = false;
        loop {
            if oi >= old.len() {
                return Err("fewer leaves than said".into());
            }
            if removed.peek() == Some(&oi) {
                if follows && !moved {
                    last.clear();
                    last.extend_from_slice(&old_path);
                }
                moved = true;
                removed.next();
                old_path.truncate(old.shared(oi));
                old_path.extend_from_slice(old.rest(oi));
                oi += 1;
            } else {
                break;
            }
        }
        let mut v = std::mem::replace(&mut old.values[oi], Scalar::Null);
        let (shared, rest) = (old.shared(oi), old.rest(oi));
        old_path.truncate(shared);
        old_path.extend_from_slice(rest);
        oi += 1;
        ops.apply(&mut v)?;
        if follows && !moved {
            out.push(shared, rest, v)?;
        } else {
            out.push_after(&last, &old_path, v);
        }
        follows = true;
    }
    if ops.run > 0 || !ops.c.is_empty() {
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
        let (a, b) = (flatten(a).unwrap(), flatten(b).unwrap());
        let mut out = Vec::new();
        encode_delta(&a, &b, &mut out)?;
        assert_eq!(apply_delta(a, &out, 2).unwrap(), b);
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
        // Nothing changed: the two empty lists and no op at all.
        assert_eq!(delta(&a, &a).unwrap(), vec![0, 0]);
        // Integer changes and type changes.
        let c = json!({"t": u64::MAX, "p": [{"pid": 1, "m": -3, "c": null}, {"pid": 2, "m": 1.5}, {"pid": 9, "f": 7}]});
        delta(&a, &c).unwrap();
        delta(&c, &a).unwrap();
        // The same paths in another order: no delta.
        let r = json!({"p": [{"pid": 2, "m": 20}, {"pid": 1, "m": 10, "c": "a"}, {"pid": 9, "f": 0.5}], "t": 5});
        assert!(delta(&a, &r).is_none());
    }

    #[test]
    fn unchanged_leaves_go_in_runs() {
        let many = |changed: u64| json!({"p": (0..1000u64).map(|pid| json!({"pid": pid, "rss": if pid == 500 { changed } else { 7 }, "name": "sleep"})).collect::<Vec<_>>()});
        let (a, b) = (many(7), many(9));
        let out = delta(&a, &b).unwrap();
        // Two lists, a run of the leaves before, the change; the rest left out.
        assert!(out.len() <= 8, "{out:?}");
        // A process leaving and one coming: runs go on around them.
        let mut c = many(7);
        c["p"].as_array_mut().unwrap().remove(3);
        c["p"]
            .as_array_mut()
            .unwrap()
            .push(json!({"pid": 5000, "rss": 1}));
        let out = delta(&a, &c).unwrap();
        assert!(out.len() < 40, "{}", out.len());
        delta(&c, &b).unwrap();
    }

    #[test]
    fn version_1_deltas_still_apply() {
        // A version 1 delta of {"a": 1, "b": "x"} to {"a": 3, "b": "y"}: no removals or
        // insertions, then one op per leaf (an integer change of +2, a new string).
        let a = flatten(&json!({"a": 1, "b": "x"})).unwrap();
        let raw = [0, 0, zigzag(2) as u8 * 2, 1, 5, 1, b'y'];
        let b = apply_delta(a, &raw, 1).unwrap();
        assert_eq!(b, flatten(&json!({"a": 3, "b": "y"})).unwrap());
    }

    #[test]
    fn damaged_deltas_are_errors() {
        let a = flatten(&json!({"a": 1, "b": [1, 2]})).unwrap();
        for raw in [
            vec![0, 0, 9],          // a run past the end (5 leaves after 0)
            vec![0, 0, 2, 9],       // a new value of an unknown type
            vec![0, 0, 6],          // an unknown op
            vec![0, 0, 1, 1, 1, 4], // a change past the end
            vec![5],                // more removed than there are
            vec![0, 0, 8, 0],       // a change to 'a', then an unknown op 0
        ] {
            assert!(apply_delta(a.clone(), &raw, 2).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn key_frames_list_every_leaf() {
        let a = flatten(&json!({"t": 5, "p": [{"pid": 1, "m": 10, "c": "a"}, {"x": [[], {}]}]}))
            .unwrap();
        let mut out = Vec::new();
        encode_key(&a, &mut out);
        assert_eq!(decode_key(&out).unwrap(), a);
        let raw = deflate(&out, 6);
        assert_eq!(inflate(&raw).unwrap(), out);
        assert!(decode_key(&out[..out.len() - 1]).is_err());
    }
}
