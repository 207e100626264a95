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

use serde::ser::{self, Serialize};

use crate::varint::{put_str, put_varint};

pub(crate) const SEG_KEY: u8 = b'k';
pub(crate) const SEG_INDEX: u8 = b'i';
pub(crate) const SEG_PID: u8 = b'p';
pub(crate) const SEG_PATH: u8 = b's';
pub(crate) const SEG_ZONE: u8 = b'z';
pub(crate) const SEG_NAME: u8 = b'n';

/// A JSON scalar, or an empty container. Sixteen bytes, as a sample holds some 100,000.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    /// An integer in `i64`'s range (made by [`Scalar::integer`]).
    Int(i64),
    /// An integer above `i64::MAX` (up to `u64::MAX`, as JSON's integers go).
    Big(u64),
    /// The bits of an `f64`: compared exactly.
    Float(u64),
    /// Boxed twice, so that the variant is one pointer wide (a `String` is three).
    #[allow(clippy::box_collection)]
    Str(Box<String>),
    EmptyArray,
    EmptyObject,
}

impl Scalar {
    /// An integer within `i64::MIN..=u64::MAX`, in its one form.
    pub(crate) fn integer(i: i128) -> Scalar {
        match i64::try_from(i) {
            Ok(v) => Scalar::Int(v),
            Err(_) => Scalar::Big(i as u64),
        }
    }

    pub(crate) fn as_i128(&self) -> Option<i128> {
        match self {
            Scalar::Int(v) => Some(*v as i128),
            Scalar::Big(v) => Some(*v as i128),
            _ => None,
        }
    }

    pub(crate) fn string(s: &str) -> Scalar {
        Scalar::Str(Box::new(s.to_string()))
    }
}

const _: () = assert!(std::mem::size_of::<Scalar>() == 16);

/// Leaves, held compactly: each path as the number of bytes it shares with the path
/// before it and the rest (as a key frame stores them), so that 90,000 leaves of a
/// 1,000-process snapshot take about 4 MiB rather than 10.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Leaves {
    heads: Vec<Head>,
    rest: Vec<u8>,
    pub(crate) values: Vec<Scalar>,
    /// Length of the last path.
    last_len: usize,
}

/// Bytes a path shares with the one before it, and where its rest ends in `rest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Head {
    shared: u32,
    end: u32,
}

impl Leaves {
    pub(crate) fn with_capacity(n: usize) -> Leaves {
        Leaves {
            heads: Vec::with_capacity(n),
            rest: Vec::with_capacity(n * 10),
            values: Vec::with_capacity(n),
            last_len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.heads.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.heads.is_empty()
    }

    /// Bytes path `i` shares with path `i - 1`.
    pub(crate) fn shared(&self, i: usize) -> usize {
        self.heads[i].shared as usize
    }

    /// The rest of path `i` after what it shares.
    pub(crate) fn rest(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.heads[i - 1].end };
        &self.rest[start as usize..self.heads[i].end as usize]
    }

    /// Adds a leaf whose path shares `shared` bytes with the last path and goes on with
    /// `rest`; fails when the last path is shorter than that or the leaves outgrow 4 GiB.
    pub(crate) fn push(&mut self, shared: usize, rest: &[u8], value: Scalar) -> Result<(), String> {
        if shared > self.last_len {
            return Err("a path sharing more than the previous one has".into());
        }
        let end = u32::try_from(self.rest.len() + rest.len()).map_err(|_| "too many leaves")?;
        self.rest.extend_from_slice(rest);
        self.heads.push(Head {
            shared: shared as u32,
            end,
        });
        self.values.push(value);
        self.last_len = shared + rest.len();
        Ok(())
    }

    /// Adds a leaf by its whole path, given the whole path of the last leaf.
    pub(crate) fn push_after(&mut self, last: &[u8], path: &[u8], value: Scalar) {
        let shared = common(last, path);
        self.push(shared, &path[shared..], value)
            .expect("the last path is the one given");
    }

    /// Calls `f` with each leaf's index and whole path, in order.
    pub(crate) fn each_path<E>(
        &self,
        mut f: impl FnMut(usize, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut path = Vec::with_capacity(128);
        for i in 0..self.len() {
            path.truncate(self.shared(i));
            path.extend_from_slice(self.rest(i));
            f(i, &path)?;
        }
        Ok(())
    }
}

/// A fast 64-bit hash of a path: each 8 bytes folded in by a full 64 × 64 → 128-bit
/// multiply whose halves are xored (as foldhash and ahash do), so that differences in
/// two places do not cancel as they can with FxHash's one multiply. For finding paths
/// again, where a collision costs only a larger frame, never a wrong one.
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    const L: u64 = 0xbf58_476d_1ce4_e5b9;
    let fold = |h: u64, w: u64| {
        let m = u128::from(h ^ w) * u128::from(L);
        (m as u64) ^ ((m >> 64) as u64)
    };
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h = fold(h, u64::from_le_bytes(c.try_into().expect("8 bytes"))).wrapping_add(K);
    }
    let mut last = [0u8; 8];
    last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    fold(fold(h, u64::from_le_bytes(last)), K)
}

/// A map keyed by [`hash`]es, which need no hashing again.
pub(crate) type HashIndex<V> = HashMap<u64, V, std::hash::BuildHasherDefault<Passthrough>>;

#[derive(Default)]
pub(crate) struct Passthrough(u64);

impl std::hash::Hasher for Passthrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash(bytes);
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// How many leading bytes `a` and `b` share.
pub(crate) fn common(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The leaves of a value as its JSON would be (`serde_json`'s rules: non-finite floats
/// are null, map keys are strings), without building the JSON.
#[cfg(test)]
pub(crate) fn flatten<T: Serialize + ?Sized>(v: &T) -> Result<Leaves, String> {
    match flatten_against(v, None)? {
        Flat::New(l) => Ok(l),
        Flat::Same { .. } => unreachable!("nothing to be the same as"),
    }
}

/// A sample flattened against the one before it.
pub(crate) enum Flat {
    /// The same paths as the leaves before: the values that changed (leaf index, new
    /// value) and the delta ops (format 2) from the leaves before to these.
    Same {
        changes: Vec<(u32, Scalar)>,
        ops: Vec<u8>,
    },
    /// Other paths: all the leaves.
    New(Leaves),
}

/// Flattens `v`, comparing it leaf by leaf with `before` as it goes, so that a sample
/// with the paths of the one before (a quiet machine's) is never held as a second set of
/// leaves, only as what changed.
pub(crate) fn flatten_against<T: Serialize + ?Sized>(
    v: &T,
    before: Option<&Leaves>,
) -> Result<Flat, String> {
    let mut f = Flattener {
        path: Vec::with_capacity(128),
        last: Vec::with_capacity(128),
        low: 0,
        out: Leaves::default(),
        against: before.map(|b| Against {
            before: b,
            i: 0,
            changes: Vec::new(),
            ops: Vec::new(),
            run: 0,
        }),
    };
    v.serialize(&mut f).map_err(|e| e.0)?;
    match f.against.take() {
        Some(a) if a.i == a.before.len() => Ok(Flat::Same {
            changes: a.changes,
            ops: a.ops,
        }),
        Some(a) => Ok(Flat::New(a.diverge())),
        None => Ok(Flat::New(f.out)),
    }
}

/// The comparison of a sample being flattened with the leaves before it.
struct Against<'p> {
    before: &'p Leaves,
    /// Leaves matched so far.
    i: usize,
    changes: Vec<(u32, Scalar)>,
    ops: Vec<u8>,
    run: u128,
}

impl Against<'_> {
    /// The leaves matched so far, as a set of their own (the paths differ from here on).
    fn diverge(self) -> Leaves {
        let b = self.before;
        let n = self.i;
        let rest_end = if n == 0 {
            0
        } else {
            b.heads[n - 1].end as usize
        };
        let mut out = Leaves {
            heads: Vec::with_capacity(b.len() + b.len() / 8),
            rest: Vec::with_capacity(b.rest.len() + b.rest.len() / 8),
            values: Vec::with_capacity(b.len() + b.len() / 8),
            last_len: 0,
        };
        out.heads.extend_from_slice(&b.heads[..n]);
        out.rest.extend_from_slice(&b.rest[..rest_end]);
        out.values.extend_from_slice(&b.values[..n]);
        for (i, v) in self.changes {
            out.values[i as usize] = v;
        }
        out.last_len = match n {
            0 => 0,
            n => out.shared(n - 1) + out.rest(n - 1).len(),
        };
        out
    }
}

impl Leaves {
    /// Swaps the values of the leaves `changes` names with the values it holds: applies
    /// a [`Flat::Same`]'s changes, and undoes them when called again.
    pub(crate) fn swap_values(&mut self, changes: &mut [(u32, Scalar)]) {
        for (i, v) in changes {
            std::mem::swap(&mut self.values[*i as usize], v);
        }
    }
}

struct Flattener<'p> {
    path: Vec<u8>,
    /// The path of the last leaf.
    last: Vec<u8>,
    /// The shortest the path has been since the last leaf: its bytes up to there are
    /// still the last leaf's.
    low: usize,
    out: Leaves,
    /// While the paths are those of the leaves before.
    against: Option<Against<'p>>,
}

impl Flattener<'_> {
    fn leaf(&mut self, v: Scalar) {
        let low = self.low.min(self.last.len()).min(self.path.len());
        let shared = low + common(&self.last[low..], &self.path[low..]);
        if let Some(a) = &mut self.against {
            let i = a.i;
            if i < a.before.len()
                && a.before.shared(i) == shared
                && a.before.rest(i) == &self.path[shared..]
            {
                if crate::codec::put_op(&mut a.ops, &mut a.run, &a.before.values[i], &v) {
                    a.changes.push((i as u32, v));
                }
                a.i += 1;
                self.last.truncate(shared);
                self.last.extend_from_slice(&self.path[shared..]);
                self.low = self.path.len();
                return;
            }
            self.out = self.against.take().expect("comparing").diverge();
        }
        self.out
            .push(shared, &self.path[shared..], v)
            .expect("paths grow from the last one");
        self.last.truncate(shared);
        self.last.extend_from_slice(&self.path[shared..]);
        self.low = self.path.len();
    }

    /// Cuts the path back to `l` bytes.
    fn cut(&mut self, l: usize) {
        self.path.truncate(l);
        self.low = self.low.min(l);
    }

    fn key(&mut self, k: &str) -> usize {
        let l = self.path.len();
        self.path.push(SEG_KEY);
        put_str(&mut self.path, k);
        l
    }

    fn int(&mut self, i: i128) -> Result<(), FlatError> {
        if (i64::MIN as i128..=u64::MAX as i128).contains(&i) {
            self.leaf(Scalar::integer(i));
            Ok(())
        } else {
            Err(FlatError(format!("integer {i} does not fit JSON")))
        }
    }
}

#[derive(Debug)]
pub(crate) struct FlatError(String);

impl std::fmt::Display for FlatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FlatError {}

impl ser::Error for FlatError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        FlatError(msg.to_string())
    }
}

/// An array being flattened: elements by identity or index.
pub(crate) struct Seq<'a, 'p> {
    f: &'a mut Flattener<'p>,
    base: usize,
    index: u64,
    /// Occurrences of each identity so far, by hash (a collision only numbers an
    /// element 1 rather than 0: its path stays its own).
    seen: Option<HashIndex<u64>>,
    /// For a variant's array: where the path stood before the variant's key.
    outer: Option<usize>,
}

impl<'a, 'p> Seq<'a, 'p> {
    fn new(f: &'a mut Flattener<'p>, outer: Option<usize>) -> Self {
        let base = f.path.len();
        Seq {
            f,
            base,
            index: 0,
            seen: None,
            outer,
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), FlatError> {
        let f = &mut *self.f;
        let l = f.path.len();
        if probe::identity(v, &mut f.path) {
            let seen = self.seen.get_or_insert_with(HashIndex::default);
            let n = seen.entry(hash(&f.path[l..])).or_insert(0);
            let occ = *n;
            *n += 1;
            put_varint(&mut f.path, occ as u128);
        } else {
            f.path.push(SEG_INDEX);
            put_varint(&mut f.path, self.index as u128);
        }
        self.index += 1;
        v.serialize(&mut *f)?;
        f.cut(l);
        Ok(())
    }

    fn finish(self) -> Result<(), FlatError> {
        if self.index == 0 {
            self.f.leaf(Scalar::EmptyArray);
        }
        debug_assert_eq!(self.f.path.len(), self.base);
        if let Some(o) = self.outer {
            self.f.cut(o);
        }
        Ok(())
    }
}

/// An object being flattened.
pub(crate) struct Obj<'a, 'p> {
    f: &'a mut Flattener<'p>,
    any: bool,
    key: Option<String>,
    outer: Option<usize>,
}

impl<'a, 'p> Obj<'a, 'p> {
    fn new(f: &'a mut Flattener<'p>, outer: Option<usize>) -> Self {
        Obj {
            f,
            any: false,
            key: None,
            outer,
        }
    }

    fn member<T: Serialize + ?Sized>(&mut self, k: &str, v: &T) -> Result<(), FlatError> {
        self.any = true;
        let l = self.f.key(k);
        v.serialize(&mut *self.f)?;
        self.f.cut(l);
        Ok(())
    }

    fn finish(self) -> Result<(), FlatError> {
        if !self.any {
            self.f.leaf(Scalar::EmptyObject);
        }
        if let Some(o) = self.outer {
            self.f.cut(o);
        }
        Ok(())
    }
}

macro_rules! seq_impls {
    ($($tr:ident :: $m:ident),*) => {$(
        impl ser::$tr for Seq<'_, '_> {
            type Ok = ();
            type Error = FlatError;
            fn $m<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), FlatError> {
                self.element(v)
            }
            fn end(self) -> Result<(), FlatError> {
                self.finish()
            }
        }
    )*};
}
seq_impls!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeStruct for Obj<'_, '_> {
    type Ok = ();
    type Error = FlatError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        k: &'static str,
        v: &T,
    ) -> Result<(), FlatError> {
        self.member(k, v)
    }
    fn end(self) -> Result<(), FlatError> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Obj<'_, '_> {
    type Ok = ();
    type Error = FlatError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        k: &'static str,
        v: &T,
    ) -> Result<(), FlatError> {
        self.member(k, v)
    }
    fn end(self) -> Result<(), FlatError> {
        self.finish()
    }
}

impl ser::SerializeMap for Obj<'_, '_> {
    type Ok = ();
    type Error = FlatError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), FlatError> {
        self.key = Some(k.serialize(probe::KeyName)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), FlatError> {
        let k = self
            .key
            .take()
            .ok_or_else(|| FlatError("a map value without a key".into()))?;
        self.member(&k, v)
    }
    fn end(self) -> Result<(), FlatError> {
        self.finish()
    }
}

impl<'a, 'p> ser::Serializer for &'a mut Flattener<'p> {
    type Ok = ();
    type Error = FlatError;
    type SerializeSeq = Seq<'a, 'p>;
    type SerializeTuple = Seq<'a, 'p>;
    type SerializeTupleStruct = Seq<'a, 'p>;
    type SerializeTupleVariant = Seq<'a, 'p>;
    type SerializeMap = Obj<'a, 'p>;
    type SerializeStruct = Obj<'a, 'p>;
    type SerializeStructVariant = Obj<'a, 'p>;

    fn serialize_bool(self, v: bool) -> Result<(), FlatError> {
        self.leaf(Scalar::Bool(v));
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), FlatError> {
        self.int(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), FlatError> {
        self.int(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), FlatError> {
        self.int(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), FlatError> {
        self.int(v.into())
    }
    fn serialize_i128(self, v: i128) -> Result<(), FlatError> {
        self.int(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), FlatError> {
        self.int(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), FlatError> {
        self.int(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), FlatError> {
        self.int(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), FlatError> {
        self.int(v.into())
    }
    fn serialize_u128(self, v: u128) -> Result<(), FlatError> {
        self.int(i128::try_from(v).unwrap_or(i128::MAX))
    }
    fn serialize_f32(self, v: f32) -> Result<(), FlatError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), FlatError> {
        // As serde_json: a float that is not finite is null.
        self.leaf(if v.is_finite() {
            Scalar::Float(v.to_bits())
        } else {
            Scalar::Null
        });
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), FlatError> {
        self.leaf(Scalar::string(&v.to_string()));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), FlatError> {
        self.leaf(Scalar::string(v));
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), FlatError> {
        use ser::SerializeSeq;
        let mut s = self.serialize_seq(Some(v.len()))?;
        for b in v {
            s.serialize_element(b)?;
        }
        s.end()
    }
    fn serialize_none(self) -> Result<(), FlatError> {
        self.leaf(Scalar::Null);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), FlatError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), FlatError> {
        self.leaf(Scalar::Null);
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), FlatError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), FlatError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), FlatError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), FlatError> {
        let l = self.key(variant);
        v.serialize(&mut *self)?;
        self.cut(l);
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Seq<'a, 'p>, FlatError> {
        Ok(Seq::new(self, None))
    }
    fn serialize_tuple(self, n: usize) -> Result<Seq<'a, 'p>, FlatError> {
        self.serialize_seq(Some(n))
    }
    fn serialize_tuple_struct(self, _: &'static str, n: usize) -> Result<Seq<'a, 'p>, FlatError> {
        self.serialize_seq(Some(n))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Seq<'a, 'p>, FlatError> {
        let outer = self.key(variant);
        Ok(Seq::new(self, Some(outer)))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Obj<'a, 'p>, FlatError> {
        Ok(Obj::new(self, None))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Obj<'a, 'p>, FlatError> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Obj<'a, 'p>, FlatError> {
        let outer = self.key(variant);
        Ok(Obj::new(self, Some(outer)))
    }
}

/// Telling an array element's identity (see the table above) from its serialisation,
/// looking only at the members that can give it.
mod probe {
    use serde::ser::{self, Impossible, Serialize};

    use super::{FlatError, SEG_NAME, SEG_PATH, SEG_PID, SEG_ZONE};
    use crate::varint::{put_str, put_varint};

    /// Appends the identity segment of `v` (without its occurrence number) to `path`;
    /// false when it has none.
    pub(super) fn identity<T: Serialize + ?Sized>(v: &T, path: &mut Vec<u8>) -> bool {
        let Ok(id) = v.serialize(Element) else {
            return false;
        };
        match id {
            Id::Object(o) => {
                if let Some(pid) = o.pid {
                    path.push(SEG_PID);
                    put_varint(path, pid as u128);
                } else if let Some(p) = o.path {
                    path.push(SEG_PATH);
                    put_str(path, &p);
                } else if let (Some(node), Some(zone)) = (o.node, o.zone) {
                    path.push(SEG_ZONE);
                    put_varint(path, node as u128);
                    put_str(path, &zone);
                } else if let Some(n) = o.name {
                    path.push(SEG_NAME);
                    put_str(path, &n);
                } else {
                    return false;
                }
                true
            }
            Id::Pair(Some(n), 2) => {
                path.push(SEG_NAME);
                put_str(path, &n);
                true
            }
            _ => false,
        }
    }

    /// What an element's JSON would say of its identity.
    pub(super) enum Id {
        None,
        Object(Members),
        /// An array: its first element when a string, and its length.
        Pair(Option<String>, usize),
    }

    /// The members that can identify an object, as `as_u64` and `as_str` read them.
    #[derive(Default)]
    pub(super) struct Members {
        pid: Option<u64>,
        path: Option<String>,
        node: Option<u64>,
        zone: Option<String>,
        name: Option<String>,
        key: Option<String>,
    }

    impl Members {
        fn member<T: Serialize + ?Sized>(&mut self, k: &str, v: &T) {
            let sc = || v.serialize(Scalar).unwrap_or(Sc::Other);
            match k {
                "pid" => self.pid = sc().u64(),
                "node" => self.node = sc().u64(),
                "path" => self.path = sc().string(),
                "zone" => self.zone = sc().string(),
                "name" => self.name = sc().string(),
                _ => {}
            }
        }
    }

    pub(super) enum Sc {
        U64(u64),
        Str(String),
        Other,
    }

    impl Sc {
        fn u64(self) -> Option<u64> {
            match self {
                Sc::U64(u) => Some(u),
                _ => None,
            }
        }
        fn string(self) -> Option<String> {
            match self {
                Sc::Str(s) => Some(s),
                _ => None,
            }
        }
    }

    type Fail<T> = Impossible<T, FlatError>;

    fn nothing<T>() -> Result<T, FlatError> {
        Err(FlatError(String::new()))
    }

    /// Methods of a probe that all answer `$body`, their arguments unused.
    macro_rules! answer {
        ($ok:ty, $body:expr; $($m:ident($($t:ty),*)),* $(,)?) => {$(
            fn $m(self, $(_: $t),*) -> Result<$ok, FlatError> {
                $body
            }
        )*};
    }

    /// The seven methods that would start a compound value, each answering `$body`.
    macro_rules! no_compounds {
        ($ok:ty, $body:expr) => {
            answer!(Fail<$ok>, $body;
                serialize_seq(Option<usize>),
                serialize_tuple(usize),
                serialize_tuple_struct(&'static str, usize),
                serialize_tuple_variant(&'static str, u32, &'static str, usize),
                serialize_map(Option<usize>),
                serialize_struct(&'static str, usize),
                serialize_struct_variant(&'static str, u32, &'static str, usize),
            );
        };
    }

    /// A scalar member's value, as serde_json's `as_u64`/`as_str` would read it.
    pub(super) struct Scalar;

    impl ser::Serializer for Scalar {
        type Ok = Sc;
        type Error = FlatError;
        type SerializeSeq = Fail<Sc>;
        type SerializeTuple = Fail<Sc>;
        type SerializeTupleStruct = Fail<Sc>;
        type SerializeTupleVariant = Fail<Sc>;
        type SerializeMap = Fail<Sc>;
        type SerializeStruct = Fail<Sc>;
        type SerializeStructVariant = Fail<Sc>;

        fn serialize_u8(self, v: u8) -> Result<Sc, FlatError> {
            Ok(Sc::U64(v.into()))
        }
        fn serialize_u16(self, v: u16) -> Result<Sc, FlatError> {
            Ok(Sc::U64(v.into()))
        }
        fn serialize_u32(self, v: u32) -> Result<Sc, FlatError> {
            Ok(Sc::U64(v.into()))
        }
        fn serialize_u64(self, v: u64) -> Result<Sc, FlatError> {
            Ok(Sc::U64(v))
        }
        fn serialize_i8(self, v: i8) -> Result<Sc, FlatError> {
            self.serialize_i64(v.into())
        }
        fn serialize_i16(self, v: i16) -> Result<Sc, FlatError> {
            self.serialize_i64(v.into())
        }
        fn serialize_i32(self, v: i32) -> Result<Sc, FlatError> {
            self.serialize_i64(v.into())
        }
        fn serialize_i64(self, v: i64) -> Result<Sc, FlatError> {
            Ok(u64::try_from(v).map_or(Sc::Other, Sc::U64))
        }
        fn serialize_str(self, v: &str) -> Result<Sc, FlatError> {
            Ok(Sc::Str(v.to_string()))
        }
        fn serialize_char(self, v: char) -> Result<Sc, FlatError> {
            Ok(Sc::Str(v.to_string()))
        }
        fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Sc, FlatError> {
            v.serialize(self)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            v: &T,
        ) -> Result<Sc, FlatError> {
            v.serialize(self)
        }
        fn serialize_unit_variant(
            self,
            _: &'static str,
            _: u32,
            variant: &'static str,
        ) -> Result<Sc, FlatError> {
            Ok(Sc::Str(variant.to_string()))
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<Sc, FlatError> {
            nothing()
        }
        answer!(Sc, nothing(); serialize_bool(bool), serialize_f32(f32), serialize_f64(f64),
            serialize_bytes(&[u8]), serialize_none(), serialize_unit(),
            serialize_unit_struct(&'static str), serialize_i128(i128), serialize_u128(u128));
        no_compounds!(Sc, nothing());
    }

    /// Methods of [`KeyName`] for keys serde_json writes as their text.
    macro_rules! as_text {
        ($($m:ident($t:ty)),*) => {$(
            fn $m(self, v: $t) -> Result<String, FlatError> {
                Ok(v.to_string())
            }
        )*};
    }

    /// A map key as serde_json writes it: a string.
    pub(super) struct KeyName;

    impl ser::Serializer for KeyName {
        type Ok = String;
        type Error = FlatError;
        type SerializeSeq = Fail<String>;
        type SerializeTuple = Fail<String>;
        type SerializeTupleStruct = Fail<String>;
        type SerializeTupleVariant = Fail<String>;
        type SerializeMap = Fail<String>;
        type SerializeStruct = Fail<String>;
        type SerializeStructVariant = Fail<String>;

        // Keys serde_json accepts, as it writes them.
        as_text!(
            serialize_str(&str),
            serialize_char(char),
            serialize_bool(bool),
            serialize_i8(i8),
            serialize_i16(i16),
            serialize_i32(i32),
            serialize_i64(i64),
            serialize_i128(i128),
            serialize_u8(u8),
            serialize_u16(u16),
            serialize_u32(u32),
            serialize_u64(u64),
            serialize_u128(u128)
        );
        fn serialize_unit_variant(
            self,
            _: &'static str,
            _: u32,
            variant: &'static str,
        ) -> Result<String, FlatError> {
            Ok(variant.to_string())
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            v: &T,
        ) -> Result<String, FlatError> {
            v.serialize(self)
        }
        fn serialize_f32(self, v: f32) -> Result<String, FlatError> {
            self.serialize_f64(v.into())
        }
        fn serialize_f64(self, v: f64) -> Result<String, FlatError> {
            if v.is_finite() {
                serde_json::to_string(&v).map_err(|e| FlatError(e.to_string()))
            } else {
                key_error()
            }
        }
        fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, FlatError> {
            key_error()
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<String, FlatError> {
            key_error()
        }
        answer!(String, key_error(); serialize_bytes(&[u8]), serialize_none(), serialize_unit(),
            serialize_unit_struct(&'static str));
        no_compounds!(String, key_error());
    }

    fn key_error<T>() -> Result<T, FlatError> {
        Err(FlatError("a map key that is not a string".into()))
    }

    /// An array element: an object's identifying members, or an array's first string.
    pub(super) struct Element;

    pub(super) struct ObjProbe(Members);

    pub(super) struct ArrProbe {
        first: Option<String>,
        n: usize,
    }

    impl ser::SerializeStruct for ObjProbe {
        type Ok = Id;
        type Error = FlatError;
        fn serialize_field<T: Serialize + ?Sized>(
            &mut self,
            k: &'static str,
            v: &T,
        ) -> Result<(), FlatError> {
            self.0.member(k, v);
            Ok(())
        }
        fn end(self) -> Result<Id, FlatError> {
            Ok(Id::Object(self.0))
        }
    }

    impl ser::SerializeMap for ObjProbe {
        type Ok = Id;
        type Error = FlatError;
        fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), FlatError> {
            self.0.key = Some(k.serialize(KeyName)?);
            Ok(())
        }
        fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), FlatError> {
            if let Some(k) = self.0.key.take() {
                self.0.member(&k, v);
            }
            Ok(())
        }
        fn end(self) -> Result<Id, FlatError> {
            Ok(Id::Object(self.0))
        }
    }

    macro_rules! arr_probe {
        ($($tr:ident :: $m:ident),*) => {$(
            impl ser::$tr for ArrProbe {
                type Ok = Id;
                type Error = FlatError;
                fn $m<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), FlatError> {
                    if self.n == 0 {
                        self.first = v.serialize(Scalar).ok().and_then(Sc::string);
                    }
                    self.n += 1;
                    Ok(())
                }
                fn end(self) -> Result<Id, FlatError> {
                    Ok(Id::Pair(self.first, self.n))
                }
            }
        )*};
    }
    arr_probe!(
        SerializeSeq::serialize_element,
        SerializeTuple::serialize_element,
        SerializeTupleStruct::serialize_field
    );

    impl ser::Serializer for Element {
        type Ok = Id;
        type Error = FlatError;
        type SerializeSeq = ArrProbe;
        type SerializeTuple = ArrProbe;
        type SerializeTupleStruct = ArrProbe;
        type SerializeTupleVariant = Fail<Id>;
        type SerializeMap = ObjProbe;
        type SerializeStruct = ObjProbe;
        type SerializeStructVariant = Fail<Id>;

        fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Id, FlatError> {
            v.serialize(self)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            v: &T,
        ) -> Result<Id, FlatError> {
            v.serialize(self)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            variant: &'static str,
            v: &T,
        ) -> Result<Id, FlatError> {
            // An object of one member, named after the variant.
            let mut m = Members::default();
            m.member(variant, v);
            Ok(Id::Object(m))
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<ArrProbe, FlatError> {
            Ok(ArrProbe { first: None, n: 0 })
        }
        fn serialize_tuple(self, _: usize) -> Result<ArrProbe, FlatError> {
            self.serialize_seq(None)
        }
        fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<ArrProbe, FlatError> {
            self.serialize_seq(None)
        }
        fn serialize_map(self, _: Option<usize>) -> Result<ObjProbe, FlatError> {
            Ok(ObjProbe(Members::default()))
        }
        fn serialize_struct(self, _: &'static str, _: usize) -> Result<ObjProbe, FlatError> {
            self.serialize_map(None)
        }
        fn serialize_bytes(self, v: &[u8]) -> Result<Id, FlatError> {
            Ok(Id::Pair(None, v.len()))
        }
        answer!(Fail<Id>, nothing();
            serialize_tuple_variant(&'static str, u32, &'static str, usize),
            serialize_struct_variant(&'static str, u32, &'static str, usize));
        answer!(Id, nothing(); serialize_bool(bool), serialize_i8(i8), serialize_i16(i16),
            serialize_i32(i32), serialize_i64(i64), serialize_i128(i128), serialize_u8(u8),
            serialize_u16(u16), serialize_u32(u32), serialize_u64(u64), serialize_u128(u128),
            serialize_f32(f32), serialize_f64(f64), serialize_char(char), serialize_str(&str),
            serialize_none(), serialize_unit(), serialize_unit_struct(&'static str));
        fn serialize_unit_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
        ) -> Result<Id, FlatError> {
            Ok(Id::None)
        }
    }
}

/// The value at the object keys `keys`, if any.
pub(crate) fn find<'a>(leaves: &'a Leaves, keys: &[&str]) -> Option<&'a Scalar> {
    let mut p = Vec::new();
    for k in keys {
        p.push(SEG_KEY);
        put_str(&mut p, k);
    }
    let mut at = None;
    let _ = leaves.each_path(|i, path| {
        if path == p {
            at = Some(i);
            Err(())
        } else {
            Ok(())
        }
    });
    at.map(|i| &leaves.values[i])
}

#[cfg(test)]
pub(crate) mod reference {
    //! The first flattening, through `serde_json::Value`: what [`super::flatten`] must
    //! give, leaf for leaf.
    use super::*;
    use serde_json::{Number, Value};

    impl Scalar {
        pub(crate) fn of(v: &Value) -> Option<Scalar> {
            Some(match v {
                Value::Null => Scalar::Null,
                Value::Bool(b) => Scalar::Bool(*b),
                Value::Number(n) => number(n),
                Value::String(s) => Scalar::string(s),
                Value::Array(a) if a.is_empty() => Scalar::EmptyArray,
                Value::Object(m) if m.is_empty() => Scalar::EmptyObject,
                _ => return None,
            })
        }
    }

    fn number(n: &Number) -> Scalar {
        if let Some(u) = n.as_u64() {
            Scalar::integer(u as i128)
        } else if let Some(i) = n.as_i64() {
            Scalar::integer(i as i128)
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

    impl Leaves {
        /// Every leaf with its whole path.
        pub(crate) fn to_vec(&self) -> Vec<Leaf> {
            let mut out = Vec::new();
            self.each_path(|i, p| {
                out.push(Leaf {
                    path: p.into(),
                    value: self.values[i].clone(),
                });
                Ok::<(), ()>(())
            })
            .unwrap();
            out
        }
    }

    /// The leaves of `v`, in document order, walking a `serde_json::Value` (what the
    /// serialiser must agree with).
    pub(crate) fn reference(v: &Value) -> Vec<Leaf> {
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
}

#[cfg(test)]
mod tests {
    use super::reference::reference;
    use super::*;
    use serde_json::{json, Value};

    /// The leaves of a JSON value, checked against the reference walk.
    fn leaves(v: &Value) -> Leaves {
        let l = flatten(v).unwrap();
        assert_eq!(l.to_vec(), reference(v), "{v}");
        l
    }

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
            json!({"q": [{"pid": -1, "path": 3, "node": 1, "zone": "N", "name": "x"}, {"pid": null, "name": "y"}, ["a"], ["a", 1, 2]]}),
        ] {
            let leaves = leaves(&v);
            let mut text = Vec::new();
            crate::unflatten::to_json(&leaves, &mut text).unwrap();
            let back: Value = serde_json::from_slice(&text).unwrap();
            assert_eq!(back, v, "{v}");
            assert_eq!(text, serde_json::to_vec(&v).unwrap());
            let built: Value = crate::unflatten::from_leaves(&leaves).unwrap();
            assert_eq!(built, v, "{v}");
        }
    }

    #[test]
    fn structs_flatten_as_their_json_would() {
        #[derive(serde::Serialize)]
        enum E {
            Unit,
            New(u8),
            Tuple(u8, String),
            Struct { pid: u32 },
        }
        #[derive(serde::Serialize)]
        struct Empty {}
        #[derive(serde::Serialize)]
        struct S {
            pid: Option<u32>,
            nan: f64,
            e: Vec<E>,
            empty: Empty,
            skipped: Option<Empty>,
            map: std::collections::BTreeMap<u32, (String, u64)>,
            ids: Vec<std::collections::BTreeMap<String, u32>>,
            bytes: Vec<u8>,
            c: char,
            t: (),
        }
        let s = S {
            pid: Some(7),
            nan: f64::NAN,
            e: vec![
                E::Unit,
                E::New(1),
                E::Tuple(2, "x".into()),
                E::Struct { pid: 3 },
            ],
            empty: Empty {},
            skipped: None,
            map: [(1, ("a".into(), 2)), (10, ("b".into(), 3))].into(),
            ids: vec![[("pid".to_string(), 4)].into(), Default::default()],
            bytes: vec![1, 2],
            c: 'é',
            t: (),
        };
        let v = serde_json::to_value(&s).unwrap();
        let mut direct = flatten(&s).unwrap().to_vec();
        let mut walked = reference(&v);
        // Struct members come in declaration order, a Value's in key order.
        direct.sort_by(|a, b| a.path.cmp(&b.path));
        walked.sort_by(|a, b| a.path.cmp(&b.path));
        assert_eq!(direct, walked);
    }

    #[test]
    fn snapshots_flatten_as_their_json_would() {
        for tree in ["old-3.10-trimmed", "v2-unified", "vm-6.18-hybrid"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures")
                .join(tree);
            let root = memlens_sources::Root::open(dir).unwrap();
            let snap = memlens_sources::collect::collect(
                &root,
                &memlens_sources::collect::Plan::everything(),
            );
            let leaves = flatten(&snap).unwrap();
            let mut text = Vec::new();
            crate::unflatten::to_json(&leaves, &mut text).unwrap();
            let back: memlens_model::Snapshot = serde_json::from_slice(&text).unwrap();
            assert_eq!(back, snap, "{tree}");
            let built: memlens_model::Snapshot = crate::unflatten::from_leaves(&leaves).unwrap();
            assert_eq!(built, snap, "{tree}");
            let mut direct = leaves.to_vec();
            let mut walked = reference(&serde_json::to_value(&snap).unwrap());
            direct.sort_by(|a, b| a.path.cmp(&b.path));
            walked.sort_by(|a, b| a.path.cmp(&b.path));
            assert_eq!(direct, walked, "{tree}");
        }
    }

    #[test]
    fn an_element_leaving_shifts_no_other_path() {
        let a = leaves(&json!({"p": [{"pid": 1, "m": 1}, {"pid": 2, "m": 2}, {"pid": 3, "m": 3}]}))
            .to_vec();
        let b = leaves(&json!({"p": [{"pid": 1, "m": 1}, {"pid": 3, "m": 3}]})).to_vec();
        assert_eq!(a.len(), 6);
        assert_eq!(b, [&a[..2], &a[4..]].concat());
    }

    #[test]
    fn found_values() {
        let l = leaves(&json!({"meta": {"format": 1, "x": [1, 2]}, "y": "z"}));
        assert_eq!(find(&l, &["meta", "format"]), Some(&Scalar::Int(1)));
        assert_eq!(find(&l, &["meta"]), None);
    }

    #[test]
    fn flattening_against_the_leaves_before_gives_what_changed_or_a_new_set() {
        let a = json!({"t": 1, "p": [{"pid": 1, "m": 10}, {"pid": 2, "m": 20, "s": "x"}]});
        let before = leaves(&a);
        // The same paths: only what changed, and the ops of a delta.
        let b = json!({"t": 2, "p": [{"pid": 1, "m": 10}, {"pid": 2, "m": 21, "s": "y"}]});
        let Flat::Same { mut changes, ops } = flatten_against(&b, Some(&before)).unwrap() else {
            panic!("the same paths");
        };
        assert_eq!(changes.len(), 3);
        let mut raw = vec![0, 0];
        raw.extend_from_slice(&ops);
        assert_eq!(
            crate::codec::apply_delta(before.clone(), &raw, 2).unwrap(),
            leaves(&b)
        );
        let mut l = before.clone();
        l.swap_values(&mut changes);
        assert_eq!(l, leaves(&b));
        l.swap_values(&mut changes);
        assert_eq!(l, before, "swapping again undoes");
        // Other paths, in the middle, at the end, or more of them: all the leaves.
        for c in [
            json!({"t": 2, "p": [{"pid": 1, "m": 10}, {"pid": 3, "m": 21}]}),
            json!({"t": 2, "p": [{"pid": 1, "m": 10}, {"pid": 2, "m": 21}]}),
            json!({"t": 2, "p": [{"pid": 1, "m": 11}, {"pid": 2, "m": 21, "s": "y"}, {"pid": 4, "m": 0}]}),
            json!({"t": 2}),
            json!(5),
        ] {
            match flatten_against(&c, Some(&before)).unwrap() {
                Flat::New(l) => assert_eq!(l, leaves(&c), "{c}"),
                Flat::Same { .. } => panic!("{c}: other paths"),
            }
        }
    }

    #[test]
    fn paths_of_many_processes_do_not_share_hashes() {
        let mut seen = std::collections::HashSet::new();
        let mut n = 0;
        for pid in 0..20_000u32 {
            for key in [
                "VmStk", "VmLck", "VmRSS", "VmSwap", "Pss", "Rss", "name", "state",
            ] {
                let mut p = Vec::new();
                for k in ["processes", "read", "processes"] {
                    p.push(SEG_KEY);
                    put_str(&mut p, k);
                }
                p.push(SEG_PID);
                put_varint(&mut p, u128::from(pid));
                put_varint(&mut p, 0);
                for k in ["status", "counters", key] {
                    p.push(SEG_KEY);
                    put_str(&mut p, k);
                }
                assert!(seen.insert(hash(&p)), "a collision at pid {pid}, {key}");
                n += 1;
            }
        }
        assert_eq!(seen.len(), n);
    }
}
