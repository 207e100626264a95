//! Leaves back into a value (the inverse of [`crate::flat::flatten`]): one walk over the
//! leaves in document order gives the events of the value — a container opens, a member's
//! key, a scalar, a container closes — and two consumers read them: [`from_leaves`], a
//! serde deserializer that builds the value (a snapshot) straight from the leaves, and
//! (in tests) `to_json`, which writes its JSON text.
//!
//! A path's segments are self-delimiting, so the segments within the bytes it shares with
//! the path before it are the same segments, and so the same open containers: the walk
//! closes the containers the new path leaves, opens those it enters, and gives its value.

use std::collections::VecDeque;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, IntoDeserializer, Visitor};

use crate::flat::{Leaves, Scalar, SEG_INDEX, SEG_KEY, SEG_NAME, SEG_PATH, SEG_PID, SEG_ZONE};
use crate::varint::Cursor;

/// Appends where each segment of `path[from..]` ends (in `path`), and whether it is an
/// object key. Keys and names are only skipped here; a key is read (and checked to be
/// UTF-8) when it is used.
fn segments(path: &[u8], from: usize, out: &mut Vec<(usize, bool)>) -> Result<(), String> {
    let mut c = Cursor::new(&path[from..]);
    let skip = |c: &mut Cursor| -> Result<(), String> {
        let n = c.usize()?;
        c.bytes(n).map(|_| ())
    };
    while !c.is_empty() {
        let tag = c.byte()?;
        match tag {
            SEG_KEY => skip(&mut c)?,
            SEG_INDEX => {
                c.varint()?;
            }
            SEG_PID => {
                c.varint()?;
                c.varint()?;
            }
            SEG_PATH | SEG_NAME => {
                skip(&mut c)?;
                c.varint()?;
            }
            SEG_ZONE => {
                c.varint()?;
                skip(&mut c)?;
                c.varint()?;
            }
            t => return Err(format!("unknown path segment {t:#04x}")),
        }
        out.push((from + c.pos(), tag == SEG_KEY));
    }
    Ok(())
}

/// One step of the walk. Keys are where their segment starts in the current path, which
/// stays as it is until every event of its leaf has been taken.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Event {
    /// An object (`true`) or array opens.
    Open(bool),
    Close(bool),
    Key(usize),
    /// The value of leaf `i`.
    Value(usize),
    End,
}

/// The events of a value, from its leaves.
struct Walk<'a> {
    leaves: &'a Leaves,
    /// The next leaf to read.
    next: usize,
    path: Vec<u8>,
    segs: Vec<(usize, bool)>,
    /// The open containers, outermost first: objects are `true`.
    open: Vec<bool>,
    pending: VecDeque<Event>,
}

impl<'a> Walk<'a> {
    fn new(leaves: &'a Leaves) -> Result<Walk<'a>, String> {
        if leaves.is_empty() {
            return Err("no values".into());
        }
        Ok(Walk {
            leaves,
            next: 0,
            path: Vec::with_capacity(128),
            segs: Vec::with_capacity(8),
            open: Vec::with_capacity(8),
            pending: VecDeque::with_capacity(16),
        })
    }

    fn key(&self, start: usize) -> Result<&str, String> {
        let mut c = Cursor::new(&self.path[start..]);
        c.byte()?;
        c.str()
    }

    fn peek(&mut self) -> Result<Event, String> {
        if self.pending.is_empty() {
            self.read_leaf()?;
        }
        Ok(self.pending[0])
    }

    fn take(&mut self) -> Result<Event, String> {
        self.peek()?;
        Ok(self.pending.pop_front().expect("peeked"))
    }

    /// Passes over the value whose events come next (a member's or an element's, not the
    /// root), without walking its leaves one by one: they are the leaves that share its
    /// path up to its key or index, told by how many bytes each shares with the one before.
    /// A snapshot read for its system parts skips its 90,000 process leaves so.
    fn skip_value(&mut self) -> Result<(), String> {
        self.peek()?;
        let opened = self
            .pending
            .iter()
            .filter(|e| matches!(e, Event::Open(_)))
            .count();
        let depth = self.open.len().saturating_sub(opened);
        if depth == 0 || self.segs.len() < depth {
            return Err("nothing to skip".into());
        }
        let end = self.segs[depth - 1].0;
        let mut j = self.next;
        while j < self.leaves.len() && self.leaves.shared(j) >= end {
            j += 1;
        }
        self.next = j;
        self.pending.clear();
        self.open.truncate(depth);
        self.segs.truncate(depth);
        self.path.truncate(end);
        Ok(())
    }

    /// The events of the next leaf (or, after the last, of closing what is open).
    fn read_leaf(&mut self) -> Result<(), String> {
        let i = self.next;
        if i == self.leaves.len() {
            self.pending.push_back(match self.open.pop() {
                Some(object) => Event::Close(object),
                None => Event::End,
            });
            return Ok(());
        }
        let shared = self.leaves.shared(i);
        if shared > self.path.len() {
            return Err("a path sharing more than the path before it has".into());
        }
        self.path.truncate(shared);
        self.path.extend_from_slice(self.leaves.rest(i));
        // The segments within the shared bytes are the last path's: read only the rest.
        let same = self
            .segs
            .iter()
            .take_while(|(end, _)| *end <= shared)
            .count();
        self.segs.truncate(same);
        let from = self.segs.last().map_or(0, |&(end, _)| end);
        segments(&self.path, from, &mut self.segs)?;
        self.next += 1;
        let n = self.segs.len();
        if i == 0 {
            if n == 0 {
                return match self.leaves.len() {
                    1 => {
                        self.pending.push_back(Event::Value(0));
                        Ok(())
                    }
                    _ => Err("a scalar root with more than one value".into()),
                };
            }
            self.open.push(self.segs[0].1);
            self.pending.push_back(Event::Open(self.segs[0].1));
        }
        if n == 0 || self.open.is_empty() {
            return Err("a scalar root with more than one value".into());
        }
        let common = same.min(self.open.len() - 1);
        if common == n {
            return Err("a path that is both a container and a value".into());
        }
        while self.open.len() > common + 1 {
            let object = self.open.pop().expect("deeper than common");
            self.pending.push_back(Event::Close(object));
        }
        for d in common..n {
            let (_, is_key) = self.segs[d];
            if *self.open.last().expect("the root stays") != is_key {
                return Err("an object member and an array element at one place".into());
            }
            if is_key {
                let start = if d == 0 { 0 } else { self.segs[d - 1].0 };
                self.pending.push_back(Event::Key(start));
            }
            if d + 1 < n {
                let object = self.segs[d + 1].1;
                self.open.push(object);
                self.pending.push_back(Event::Open(object));
            }
        }
        self.pending.push_back(Event::Value(i));
        Ok(())
    }
}

#[cfg(test)]
fn put_scalar_json(out: &mut Vec<u8>, s: &Scalar) -> Result<(), String> {
    use std::io::Write;
    match s {
        Scalar::Null => out.extend_from_slice(b"null"),
        Scalar::Bool(true) => out.extend_from_slice(b"true"),
        Scalar::Bool(false) => out.extend_from_slice(b"false"),
        Scalar::Int(i) => write!(out, "{i}").expect("writing to memory"),
        Scalar::Big(u) => write!(out, "{u}").expect("writing to memory"),
        Scalar::Float(bits) => {
            let f = f64::from_bits(*bits);
            if !f.is_finite() {
                return Err("a float that is not finite".into());
            }
            serde_json::to_writer(&mut *out, &f).map_err(|e| e.to_string())?
        }
        Scalar::Str(s) => {
            serde_json::to_writer(&mut *out, s.as_str()).map_err(|e| e.to_string())?
        }
        Scalar::EmptyArray => out.extend_from_slice(b"[]"),
        Scalar::EmptyObject => out.extend_from_slice(b"{}"),
    }
    Ok(())
}

/// The JSON text of the value whose leaves these are: the tests' view of the walk, checked
/// byte for byte against `serde_json`'s text.
#[cfg(test)]
pub(crate) fn to_json(leaves: &Leaves, out: &mut Vec<u8>) -> Result<(), String> {
    let mut w = Walk::new(leaves)?;
    // Whether the innermost open container has had a member or element yet.
    let mut started = Vec::new();
    let mut after_key = false;
    let comma = |out: &mut Vec<u8>, started: &mut Vec<bool>, after_key: &mut bool| {
        if !std::mem::take(after_key) {
            if let Some(s) = started.last_mut() {
                if std::mem::replace(s, true) {
                    out.push(b',');
                }
            }
        }
    };
    loop {
        match w.take()? {
            Event::End => return Ok(()),
            Event::Open(object) => {
                comma(out, &mut started, &mut after_key);
                out.push(if object { b'{' } else { b'[' });
                started.push(false);
            }
            Event::Close(object) => {
                started.pop();
                out.push(if object { b'}' } else { b']' });
            }
            Event::Key(start) => {
                comma(out, &mut started, &mut after_key);
                serde_json::to_writer(&mut *out, w.key(start)?).map_err(|e| e.to_string())?;
                out.push(b':');
                after_key = true;
            }
            Event::Value(i) => {
                comma(out, &mut started, &mut after_key);
                put_scalar_json(out, &leaves.values[i])?;
            }
        }
    }
}

/// Why leaves do not make the value asked for.
#[derive(Debug)]
pub(crate) struct DeError(pub(crate) String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

impl From<String> for DeError {
    fn from(s: String) -> Self {
        DeError(s)
    }
}

/// The value whose leaves these are, built from them as from its JSON text (the same
/// serde data model: integers, floats, strings, `null`, arrays, objects with string keys,
/// enums externally tagged), without writing or parsing the text.
pub(crate) fn from_leaves<'de, T: Deserialize<'de>>(leaves: &'de Leaves) -> Result<T, DeError> {
    let mut de = De {
        w: Walk::new(leaves)?,
    };
    let v = T::deserialize(&mut de)?;
    match de.w.take()? {
        Event::End => Ok(v),
        e => Err(DeError(format!("more after the value ({e:?})"))),
    }
}

struct De<'de> {
    w: Walk<'de>,
}

impl<'de> De<'de> {
    fn value(&self, i: usize) -> &'de Scalar {
        &self.w.leaves.values[i]
    }

    /// Takes the close of the container just read through, which a visitor that stopped
    /// early has left unread.
    fn close(&mut self, object: bool) -> Result<(), DeError> {
        match self.w.take()? {
            Event::Close(o) if o == object => Ok(()),
            e => Err(DeError(format!(
                "members left unread in a container ({e:?})"
            ))),
        }
    }
}

impl<'de> de::Deserializer<'de> for &mut De<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.w.take()? {
            Event::Open(true) => {
                let v = visitor.visit_map(Inside(&mut *self))?;
                self.close(true)?;
                Ok(v)
            }
            Event::Open(false) => {
                let v = visitor.visit_seq(Inside(&mut *self))?;
                self.close(false)?;
                Ok(v)
            }
            Event::Value(i) => match self.value(i) {
                Scalar::Null => visitor.visit_unit(),
                Scalar::Bool(b) => visitor.visit_bool(*b),
                Scalar::Int(v) if *v >= 0 => visitor.visit_u64(*v as u64),
                Scalar::Int(v) => visitor.visit_i64(*v),
                Scalar::Big(v) => visitor.visit_u64(*v),
                Scalar::Float(bits) => visitor.visit_f64(f64::from_bits(*bits)),
                Scalar::Str(s) => visitor.visit_borrowed_str(s.as_str()),
                Scalar::EmptyArray => visitor.visit_seq(Empty),
                Scalar::EmptyObject => visitor.visit_map(Empty),
            },
            e => Err(DeError(format!("expected a value, found {e:?}"))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.w.peek()? {
            Event::Value(i) if *self.value(i) == Scalar::Null => {
                self.w.take()?;
                visitor.visit_none()
            }
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.w.take()? {
            // A unit variant is its name.
            Event::Value(i) => match self.value(i) {
                Scalar::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
                v => Err(DeError(format!("expected an enum variant, found {v:?}"))),
            },
            // Any other is an object of one member: its name, and its content.
            Event::Open(true) => {
                let v = visitor.visit_enum(Variant { de: &mut *self })?;
                self.close(true)?;
                Ok(v)
            }
            e => Err(DeError(format!("expected an enum variant, found {e:?}"))),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.w.skip_value()?;
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// The members of an object or the elements of an array, up to its close, which is left
/// for the caller to take: asked again after the last, it is still the next event, and
/// again the end.
struct Inside<'a, 'de>(&'a mut De<'de>);

impl<'de> de::MapAccess<'de> for Inside<'_, 'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.0.w.peek()? {
            Event::Close(true) => Ok(None),
            Event::Key(start) => {
                self.0.w.take()?;
                seed.deserialize(Key(self.0.w.key(start)?)).map(Some)
            }
            e => Err(DeError(format!("expected a member, found {e:?}"))),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        seed.deserialize(&mut *self.0)
    }
}

impl<'de> de::SeqAccess<'de> for Inside<'_, 'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.0.w.peek()? {
            Event::Close(false) => Ok(None),
            Event::Key(_) => Err(DeError("a member in an array".into())),
            _ => seed.deserialize(&mut *self.0).map(Some),
        }
    }
}

/// An empty array or object, a leaf of its own.
struct Empty;

impl<'de> de::SeqAccess<'de> for Empty {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        _: T,
    ) -> Result<Option<T::Value>, DeError> {
        Ok(None)
    }
}

impl<'de> de::MapAccess<'de> for Empty {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        _: K,
    ) -> Result<Option<K::Value>, DeError> {
        Ok(None)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, _: V) -> Result<V::Value, DeError> {
        Err(DeError("a value without a key".into()))
    }
}

/// An object key: a string, or (as in JSON) a number or `true`/`false` written as one.
struct Key<'a>(&'a str);

macro_rules! parsed_key {
    ($($method:ident $visit:ident $t:ty),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            match self.0.parse::<$t>() {
                Ok(v) => visitor.$visit(v),
                Err(_) => Err(DeError(format!("key {:?} is not a {}", self.0, stringify!($t)))),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Key<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(self.0)
    }

    parsed_key!(deserialize_bool visit_bool bool, deserialize_i8 visit_i8 i8,
        deserialize_i16 visit_i16 i16, deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64, deserialize_u8 visit_u8 u8,
        deserialize_u16 visit_u16 u16, deserialize_u32 visit_u32 u32,
        deserialize_u64 visit_u64 u64);

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        i128 u128 f32 f64 char str string bytes byte_buf option unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// The one member of an enum's object: the variant's name, then its content.
struct Variant<'a, 'de> {
    de: &'a mut De<'de>,
}

impl<'a, 'de> de::EnumAccess<'de> for Variant<'a, 'de> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self), DeError> {
        match self.de.w.take()? {
            Event::Key(start) => {
                let v = seed.deserialize(Key(self.de.w.key(start)?))?;
                Ok((v, self))
            }
            e => Err(DeError(format!(
                "expected an enum variant's name, found {e:?}"
            ))),
        }
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, 'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        <()>::deserialize(&mut *self.de)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(&mut *self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(&mut *self.de, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_map(&mut *self.de, visitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::flat::flatten;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum E {
        Unit,
        New(u8),
        Tuple(u8, String),
        Struct { pid: u32, name: Option<String> },
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Empty {}

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Id(u64);

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct S {
        pid: Option<u32>,
        none: Option<Vec<u8>>,
        e: Vec<E>,
        empty: Empty,
        empties: (Vec<u8>, BTreeMap<String, u8>, Empty),
        by_number: BTreeMap<u32, (String, u64)>,
        by_sign: BTreeMap<i64, bool>,
        by_flag: BTreeMap<bool, u8>,
        ids: Vec<BTreeMap<String, u32>>,
        newtype: Id,
        nested: Vec<Vec<Option<i8>>>,
        c: char,
        t: (),
        big: u64,
        neg: i64,
        f: f64,
        text: String,
    }

    fn sample() -> S {
        S {
            pid: Some(7),
            none: None,
            e: vec![
                E::Unit,
                E::New(1),
                E::Tuple(2, "x".into()),
                E::Struct { pid: 3, name: None },
                E::Unit,
            ],
            empty: Empty {},
            empties: (vec![], BTreeMap::new(), Empty {}),
            by_number: [(1, ("a".into(), 2)), (10, ("b".into(), 3))].into(),
            by_sign: [(-5, true), (5, false)].into(),
            by_flag: [(false, 0), (true, 1)].into(),
            ids: vec![[("pid".to_string(), 4)].into(), Default::default()],
            newtype: Id(u64::MAX),
            nested: vec![vec![], vec![Some(-1), None], vec![]],
            c: 'é',
            t: (),
            big: u64::MAX,
            neg: i64::MIN,
            f: -0.1,
            text: "ünïcode \u{0} \"q\"".into(),
        }
    }

    #[test]
    fn types_are_built_from_their_leaves_as_from_their_json() {
        let s = sample();
        let leaves = flatten(&s).unwrap();
        let built: S = from_leaves(&leaves).unwrap();
        assert_eq!(built, s);
        let mut text = Vec::new();
        to_json(&leaves, &mut text).unwrap();
        assert_eq!(text, serde_json::to_vec(&s).unwrap());
    }

    #[test]
    fn members_not_asked_for_are_skipped_to_the_same_result() {
        // Every subset of S's fields, read into a struct of those fields alone: the
        // members skipped (whole subtrees of many leaves, scalars, empty containers,
        // the first and the last member) leave the rest exactly as built from JSON.
        use serde_json::Value;
        let v = serde_json::to_value(sample()).unwrap();
        let keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        let leaves = flatten(&v).unwrap();
        for keep in [
            vec!["text"],
            vec!["pid"],
            vec!["e", "nested"],
            vec!["ids", "newtype", "f"],
            vec!["empties", "by_flag"],
            vec![],
        ] {
            // Deserialize as a map of the kept keys only: a struct-like visitor that
            // ignores the rest, as serde's derive does for unknown fields.
            struct Some_<'a>(&'a [&'a str]);
            impl<'de> de::DeserializeSeed<'de> for Some_<'_> {
                type Value = BTreeMap<String, Value>;
                fn deserialize<D: de::Deserializer<'de>>(
                    self,
                    d: D,
                ) -> Result<Self::Value, D::Error> {
                    struct V<'a>(&'a [&'a str]);
                    impl<'de> Visitor<'de> for V<'_> {
                        type Value = BTreeMap<String, Value>;
                        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                            f.write_str("a map")
                        }
                        fn visit_map<A: de::MapAccess<'de>>(
                            self,
                            mut m: A,
                        ) -> Result<Self::Value, A::Error> {
                            let mut out = BTreeMap::new();
                            while let Some(k) = m.next_key::<String>()? {
                                if self.0.contains(&k.as_str()) {
                                    out.insert(k, m.next_value::<Value>()?);
                                } else {
                                    m.next_value::<de::IgnoredAny>()?;
                                }
                            }
                            Ok(out)
                        }
                    }
                    d.deserialize_map(V(self.0))
                }
            }
            let mut de = De {
                w: Walk::new(&leaves).unwrap(),
            };
            let got = Some_(&keep).deserialize(&mut de).unwrap();
            assert!(matches!(de.w.take().unwrap(), Event::End), "{keep:?}");
            let want: BTreeMap<String, Value> = keys
                .iter()
                .filter(|k| keep.contains(&k.as_str()))
                .map(|k| (k.clone(), v[k].clone()))
                .collect();
            assert_eq!(got, want, "{keep:?}");
        }
    }

    #[test]
    fn leaves_of_another_shape_are_an_error_where_their_json_is() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct Want {
            a: u32,
        }
        #[derive(Debug, PartialEq, Deserialize)]
        struct Two(u8, u8);
        use serde_json::json;
        fn same<T: for<'de> Deserialize<'de> + PartialEq + fmt::Debug>(v: serde_json::Value) {
            let leaves = flatten(&v).unwrap();
            let ours = from_leaves::<T>(&leaves);
            let theirs = serde_json::from_value::<T>(v.clone());
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{v}"),
                (Err(_), Err(_)) => {}
                _ => panic!("{v}: from the leaves {ours:?}, from JSON {theirs:?}"),
            }
        }
        for v in [
            json!({"a": 1}),
            json!({"a": "x"}),
            json!({"a": -1}),
            json!({"a": 1.5}),
            json!({"a": null}),
            json!({"a": [1]}),
            json!([1]),
            json!([]),
            json!({}),
            json!({"a": 1, "b": {"c": [2]}}),
            json!(3),
        ] {
            same::<Want>(v);
        }
        for v in [json!([1, 2]), json!([1, 2, 3]), json!([1]), json!({"0": 1})] {
            same::<Two>(v);
        }
        for v in [
            json!("Unit"),
            json!("Nope"),
            json!({"New": 1}),
            json!({"Unit": null, "New": 1}),
            json!({"Tuple": [1]}),
            json!({"Struct": {"pid": 1}}),
            json!({"Struct": {"pid": 1, "name": "n", "x": 2}}),
            json!({"New": "x"}),
            json!({}),
            json!([]),
        ] {
            same::<E>(v);
        }
        let none: Result<Want, _> = from_leaves(&flatten(&json!({})).unwrap());
        assert!(none.unwrap_err().0.contains("missing field"));
    }
}
