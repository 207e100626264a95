//! `/proc/PID/stat`: one line; the comm field is in parentheses and may hold spaces and
//! parentheses, so fields are counted from the last `)`.

use memlens_model::Stat;

use crate::error::ParseError;
use crate::text::escaped;
use crate::text::{check_complete, fields, parse_i64, parse_u64};

pub fn parse(text: &[u8]) -> Result<Stat, ParseError> {
    parse_with_flags(text).map(|(s, _)| s)
}

/// `PF_KTHREAD` in the flags field: the task is a kernel thread.
pub const PF_KTHREAD: u64 = 0x0020_0000;

/// The stat and its flags field (9; `PF_*` bits, see [`PF_KTHREAD`]).
pub fn parse_with_flags(text: &[u8]) -> Result<(Stat, u64), ParseError> {
    check_complete(text)?;
    let open = text
        .iter()
        .position(|&b| b == b'(')
        .ok_or_else(|| ParseError::at(1, "no '(' before comm"))?;
    let close = text
        .iter()
        .rposition(|&b| b == b')')
        .ok_or_else(|| ParseError::at(1, "no ')' after comm"))?;
    if close < open {
        return Err(ParseError::at(1, "comm parentheses out of order"));
    }
    let comm = escaped(&text[open + 1..close]);
    // Fields after the comm, numbered as in proc(5) from 3 (state).
    let rest: Vec<&[u8]> = fields(&text[close + 1..]).collect();
    let get = |field_no: usize| -> Result<&[u8], ParseError> {
        rest.get(field_no - 3)
            .copied()
            .ok_or_else(|| ParseError::at(1, format!("only {} fields after comm", rest.len())))
    };
    let u = |field_no: usize| -> Result<u64, ParseError> {
        parse_u64(get(field_no)?)
            .ok_or_else(|| ParseError::at(1, format!("field {field_no} is not a number")))
    };
    let i = |field_no: usize| -> Result<i64, ParseError> {
        parse_i64(get(field_no)?)
            .ok_or_else(|| ParseError::at(1, format!("field {field_no} is not a number")))
    };
    let state = get(3)?;
    if state.len() != 1 {
        return Err(ParseError::at(1, "bad state field"));
    }
    let flags = u(9)?;
    let stat = Stat {
        comm,
        state: state[0] as char,
        ppid: u32::try_from(u(4)?).map_err(|_| ParseError::at(1, "ppid out of range"))?,
        minflt: u(10)?,
        majflt: u(12)?,
        utime: u(14)?,
        stime: u(15)?,
        num_threads: i(20)?,
        starttime: u(22)?,
        vsize: u(23)?,
        rss_pages: i(24)?,
    };
    Ok((stat, flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comm_with_spaces_and_parens() {
        let t = b"1801 (a b) c)) R 1798 1801 1037 0 -1 4194304 95 0 0 0 0 0 0 0 20 0 1 0 2468 3133440 403 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        let s = parse(t).unwrap();
        assert_eq!(s.comm, "a b) c)");
        assert_eq!(s.state, 'R');
        assert_eq!(s.ppid, 1798);
        assert_eq!(s.minflt, 95);
        assert_eq!(s.num_threads, 1);
        assert_eq!(s.starttime, 2468);
        assert_eq!(s.vsize, 3133440);
        assert_eq!(s.rss_pages, 403);
        assert_eq!(parse_with_flags(t).unwrap().1 & PF_KTHREAD, 0);
        let k = b"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 3 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        assert_ne!(parse_with_flags(k).unwrap().1 & PF_KTHREAD, 0);
        assert!(parse(b"1801 (cat) R 1798 1801\n").is_err());
        assert!(parse(b"1801 cat R\n").is_err());
    }
}
