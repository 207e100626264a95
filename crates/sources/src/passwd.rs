//! `/etc/passwd` under the root: user names for UIDs.

use memlens_model::snapshot::UserNames;

/// The `(uid, name)` pairs of a passwd file, sorted by UID; the first name of a UID wins.
/// Lines that are not `name:password:uid:...` are skipped.
pub fn parse(text: &[u8]) -> UserNames {
    let mut v: Vec<(u32, String)> = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let mut f = line.split(|&b| b == b':');
        let (Some(name), Some(_pw), Some(uid)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if let Some(uid) = crate::text::parse_u64(uid).and_then(|u| u32::try_from(u).ok()) {
            v.push((uid, String::from_utf8_lossy(name).into_owned()));
        }
    }
    // Stable: among equal UIDs the first line stays first, and dedup keeps it.
    v.sort_by_key(|(u, _)| *u);
    v.dedup_by_key(|(u, _)| *u);
    UserNames(v)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names() {
        let u = super::parse(b"root:x:0:0:root:/root:/bin/bash\nbad line\nnobody:x:65534:65534::/:/usr/sbin/nologin\ntoor:x:0:0::/:/bin/sh\n");
        assert_eq!(u.name(0), "root", "the first name of a UID wins");
        assert_eq!(u.name(65534), "nobody");
        assert_eq!(u.name(42), "42");
        assert_eq!(u.uid("nobody"), Some(65534));
    }
}
