//! LEB128 varints, zigzag, and a cursor over a byte slice that fails instead of panicking.

pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u128) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u128);
    out.extend_from_slice(s.as_bytes());
}

pub(crate) fn zigzag(v: i128) -> u128 {
    ((v << 1) ^ (v >> 127)) as u128
}

pub(crate) fn unzigzag(u: u128) -> i128 {
    ((u >> 1) as i128) ^ -((u & 1) as i128)
}

pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }
    pub(crate) fn byte(&mut self) -> Result<u8, String> {
        let b = *self.buf.get(self.pos).ok_or("cut short")?;
        self.pos += 1;
        Ok(b)
    }
    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or("cut short")?;
        let b = &self.buf[self.pos..end];
        self.pos = end;
        Ok(b)
    }
    pub(crate) fn varint(&mut self) -> Result<u128, String> {
        let mut v: u128 = 0;
        for shift in (0..).step_by(7) {
            let b = self.byte()?;
            if shift > 126 || (shift == 126 && b > 3) {
                return Err("a varint too long".into());
            }
            v |= ((b & 0x7f) as u128) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        unreachable!()
    }
    pub(crate) fn usize(&mut self) -> Result<usize, String> {
        usize::try_from(self.varint()?).map_err(|_| "a count too large".to_string())
    }
    pub(crate) fn str(&mut self) -> Result<&'a str, String> {
        let n = self.usize()?;
        std::str::from_utf8(self.bytes(n)?).map_err(|_| "a string that is not UTF-8".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_zigzag_round_trip() {
        for v in [
            0i128,
            1,
            -1,
            63,
            -64,
            64,
            1 << 40,
            u64::MAX as i128,
            i64::MIN as i128,
            (u64::MAX as i128) - (i64::MIN as i128),
            i128::MAX,
            i128::MIN,
        ] {
            let mut b = Vec::new();
            put_varint(&mut b, zigzag(v));
            let mut c = Cursor::new(&b);
            assert_eq!(unzigzag(c.varint().unwrap()), v);
            assert!(c.is_empty());
        }
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
        assert!(Cursor::new(&[0x80]).varint().is_err());
        assert!(Cursor::new(&[0xff; 20]).varint().is_err());
    }
}
