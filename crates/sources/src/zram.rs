//! `/sys/block/zramN/`: compressed RAM block devices, most often used as swap. memlens reads
//! `disksize`, the selected `comp_algorithm` (`lzo [lz4] zstd`) and `mm_stat`:
//! `orig_data_size compr_data_size mem_used_total mem_limit mem_used_max same_pages
//! pages_compacted huge_pages huge_pages_since` (bytes, then page counts; `huge_pages`
//! since 4.19, `huge_pages_since` since 5.15).

use memlens_model::ZramDevice;

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::sysfs::{one_line, read_u64};
use crate::text::{fields, lossy, parse_u64, show};

const DIR: &str = "sys/block";

/// Fills the `mm_stat` figures of a device.
pub fn parse_mm_stat(text: &[u8], d: &mut ZramDevice) -> std::result::Result<(), ParseError> {
    let line = one_line(text)?;
    let v: Vec<u64> = fields(line)
        .map(|w| parse_u64(w).ok_or_else(|| ParseError::at(1, format!("bad number {}", show(w)))))
        .collect::<std::result::Result<_, _>>()?;
    if v.len() < 7 {
        return Err(ParseError::at(
            1,
            format!("{} numbers where mm_stat has at least 7", v.len()),
        ));
    }
    d.orig_data_size = v[0];
    d.compr_data_size = v[1];
    d.mem_used_total = v[2];
    d.mem_limit = v[3];
    d.mem_used_max = v[4];
    d.same_pages = v[5];
    d.huge_pages = v.get(7).copied();
    Ok(())
}

/// The selected entry of a `[chosen]` list.
pub fn selected(text: &[u8]) -> Option<String> {
    let line = one_line(text).ok()?;
    fields(line)
        .find_map(|w| w.strip_prefix(b"[")?.strip_suffix(b"]"))
        .map(lossy)
}

/// Every `zramN` device, sorted by name; empty without zram.
pub fn read(root: &Root) -> Result<Vec<ZramDevice>> {
    let mut out = Vec::new();
    for name in crate::sysfs::numbered(root, DIR, "zram")?.unwrap_or_default() {
        let mut d = ZramDevice {
            name: name.clone(),
            disksize: read_u64(root, &format!("{DIR}/{name}/disksize"))?.unwrap_or(0),
            algorithm: root
                .read_optional(&format!("{DIR}/{name}/comp_algorithm"))?
                .and_then(|(_, t)| selected(&t)),
            ..Default::default()
        };
        if let Some((path, text)) = root.read_optional(&format!("{DIR}/{name}/mm_stat"))? {
            parse_mm_stat(&text, &mut d).map_err(|e| Error::parse(&path, e))?;
        }
        out.push(d);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// `/sys/module/zswap/parameters/*`, by name; `None` without zswap.
pub fn read_zswap(root: &Root) -> Result<Option<Vec<(String, String)>>> {
    let rel = "sys/module/zswap/parameters";
    let Some(names) = crate::sysfs::readable_files(root, rel)? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for n in names {
        if let Some((_, t)) = root.read_optional(&format!("{rel}/{n}"))? {
            out.push((n, lossy(one_line(&t).unwrap_or(b""))));
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mm_stat_and_algorithm() {
        let mut d = ZramDevice::default();
        parse_mm_stat(
            b"  4194304   1048576  1200128        0  1200128       12        0        3        3\n",
            &mut d,
        )
        .unwrap();
        assert_eq!(d.orig_data_size, 4 << 20);
        assert_eq!(d.compr_data_size, 1 << 20);
        assert_eq!(d.mem_used_total, 1200128);
        assert_eq!(d.same_pages, 12);
        assert_eq!(d.huge_pages, Some(3));
        assert!(parse_mm_stat(b"1 2 3\n", &mut d).is_err());
        assert!(
            parse_mm_stat(b"1 2 3 4 5 6 7", &mut d).is_err(),
            "truncated"
        );
        assert_eq!(selected(b"lzo-rle [lz4] zstd\n").as_deref(), Some("lz4"));
        assert_eq!(selected(b"lzo zstd\n"), None);
    }
}
