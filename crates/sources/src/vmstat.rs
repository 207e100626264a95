//! `/proc/vmstat`: one `name value` line per counter, in the kernel's order.
//!
//! The set of names changes with every kernel release (and with the configuration: NUMA,
//! THP, CMA, zswap...), so every line is kept. Values are printed with `%lu`: a state
//! counter that drifted negative on an older kernel shows as a huge number, not `-1`.

use memlens_model::{NamedCounters, VmStat};

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::text::{check_complete, fields, lines, lossy, parse_u64, show};

/// Parses vmstat text. Every line must be a name and an unsigned number.
pub fn parse(text: &[u8]) -> std::result::Result<VmStat, ParseError> {
    check_complete(text)?;
    let mut out = Vec::with_capacity(256);
    for (n, line) in lines(text) {
        let mut f = fields(line);
        let (Some(name), Some(value), None) = (f.next(), f.next(), f.next()) else {
            return Err(ParseError::at(
                n,
                format!("expected `name value`, got {}", show(line)),
            ));
        };
        let v = parse_u64(value).ok_or_else(|| {
            ParseError::at(n, format!("{}: bad value {}", lossy(name), show(value)))
        })?;
        out.push((lossy(name), v));
    }
    if out.is_empty() {
        return Err(ParseError::file("no counters"));
    }
    Ok(NamedCounters(out))
}

/// Reads `proc/vmstat` under the root.
pub fn read(root: &Root) -> Result<VmStat> {
    let (path, text) = root.read("proc/vmstat")?;
    parse(&text).map_err(|e| Error::parse(&path, e))
}
