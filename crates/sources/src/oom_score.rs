//! `/proc/PID/oom_score` and `/proc/PID/oom_score_adj`: one integer each.
//! (`oom_adj`, the pre-2.6.36 interface, is obsolete and not read.)

use crate::error::ParseError;

/// Parses a file holding one integer and a newline.
pub fn parse(text: &[u8]) -> Result<i64, ParseError> {
    crate::text::parse_int_file(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn integers() {
        assert_eq!(super::parse(b"666\n").unwrap(), 666);
        assert_eq!(super::parse(b"-1000\n").unwrap(), -1000);
        assert!(super::parse(b"66").is_err());
        assert!(super::parse(b"x\n").is_err());
    }
}
