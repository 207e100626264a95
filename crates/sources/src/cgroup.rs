//! `/proc/PID/cgroup`: `hierarchy-ID:controller-list:path` lines.

use memlens_model::CgroupEntry;

use crate::error::ParseError;
use crate::text::escaped;
use crate::text::{check_complete, lines, lossy, parse_u64, show};

pub fn parse(text: &[u8]) -> Result<Vec<CgroupEntry>, ParseError> {
    check_complete(text)?;
    let mut out = Vec::new();
    for (n, line) in lines(text) {
        let mut parts = line.splitn(3, |&b| b == b':');
        let (Some(id), Some(ctl), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(ParseError::at(
                n,
                format!("expected ID:controllers:path, got {}", show(line)),
            ));
        };
        let hierarchy = parse_u64(id)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| ParseError::at(n, "bad hierarchy ID"))?;
        let controllers = if ctl.is_empty() {
            Vec::new()
        } else {
            ctl.split(|&b| b == b',').map(lossy).collect()
        };
        out.push(CgroupEntry {
            hierarchy,
            controllers,
            path: escaped(path),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use memlens_model::memory_cgroup;

    #[test]
    fn hybrid_prefers_v1_memory_controller() {
        let e = parse(b"9:name=systemd:/\n4:memory:/process_api/5d23\n2:cpu,cpuacct:/\n0::/\n")
            .unwrap();
        assert_eq!(e.len(), 4);
        assert_eq!(e[2].controllers, vec!["cpu", "cpuacct"]);
        assert_eq!(memory_cgroup(&e), Some("/process_api/5d23"));
    }

    #[test]
    fn unified_only() {
        let e = parse(b"0::/system.slice/ssh.service\n").unwrap();
        assert_eq!(memory_cgroup(&e), Some("/system.slice/ssh.service"));
        assert!(parse(b"0:/x\n").is_err());
        assert!(parse(b"x::/\n").is_err());
    }
}
