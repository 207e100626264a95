//! `/proc/PID/statm`: sizes in pages.

use memlens_model::Statm;

use crate::error::ParseError;
use crate::text::{check_complete, fields, parse_u64};

/// Parses statm, converting pages to bytes with `page_size`.
pub fn parse(text: &[u8], page_size: u64) -> Result<Statm, ParseError> {
    check_complete(text)?;
    let mut v = [0u64; 7];
    let mut n = 0;
    for f in fields(text) {
        if n == 7 {
            return Err(ParseError::at(1, "more than 7 fields"));
        }
        v[n] = parse_u64(f)
            .and_then(|p| p.checked_mul(page_size))
            .ok_or_else(|| ParseError::at(1, "bad number"))?;
        n += 1;
    }
    if n != 7 {
        return Err(ParseError::at(1, format!("expected 7 fields, found {n}")));
    }
    Ok(Statm {
        size: v[0],
        resident: v[1],
        shared: v[2],
        text: v[3],
        data: v[5],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_to_bytes() {
        let s = parse(b"765 403 375 5 0 123 0\n", 4096).unwrap();
        assert_eq!(s.size, 765 * 4096);
        assert_eq!(s.resident, 403 * 4096);
        assert_eq!(s.data, 123 * 4096);
        assert!(parse(b"765 403\n", 4096).is_err());
        assert!(parse(b"765 403 375 5 0 123 0", 4096).is_err());
        assert!(parse(b"1 2 3 4 5 6 x\n", 4096).is_err());
    }
}
