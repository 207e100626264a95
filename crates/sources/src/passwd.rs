//! `/etc/passwd` under the root: user names for UIDs.

use std::collections::HashMap;

use crate::error::Error;
use crate::root::Root;

/// UID to user name, from the root's `etc/passwd` (empty when it has none).
#[derive(Debug, Clone, Default)]
pub struct Users(HashMap<u32, String>, Option<String>);

impl Users {
    pub fn parse(text: &[u8]) -> Users {
        let mut m = HashMap::new();
        for line in text.split(|&b| b == b'\n') {
            let mut f = line.split(|&b| b == b':');
            let (Some(name), Some(_pw), Some(uid)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            if let Some(uid) = crate::text::parse_u64(uid).and_then(|u| u32::try_from(u).ok()) {
                m.entry(uid)
                    .or_insert_with(|| String::from_utf8_lossy(name).into_owned());
            }
        }
        Users(m, None)
    }

    /// Reads `etc/passwd`. User names are a nicety: when it cannot be read (other than
    /// missing), users are shown by UID and [`Users::problem`] says why.
    pub fn read(root: &Root) -> Users {
        match root.read("etc/passwd") {
            Ok((_, text)) => Users::parse(&text),
            Err(Error::Missing(_)) => Users::default(),
            Err(e) => Users(HashMap::new(), Some(e.to_string())),
        }
    }

    /// Why `etc/passwd` could not be read, when it exists but could not.
    pub fn problem(&self) -> Option<&str> {
        self.1.as_deref()
    }

    /// Every `(uid, name)`, sorted by UID.
    pub fn pairs(&self) -> Vec<(u32, String)> {
        let mut v: Vec<(u32, String)> = self.0.iter().map(|(u, n)| (*u, n.clone())).collect();
        v.sort();
        v
    }

    /// The UID of a user name.
    pub fn uid(&self, name: &str) -> Option<u32> {
        self.0
            .iter()
            .find(|(_, n)| n.as_str() == name)
            .map(|(u, _)| *u)
    }

    /// The user name, or the UID as text when unknown.
    pub fn name(&self, uid: u32) -> String {
        self.0.get(&uid).cloned().unwrap_or_else(|| uid.to_string())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names() {
        let u = super::Users::parse(b"root:x:0:0:root:/root:/bin/bash\nbad line\nnobody:x:65534:65534::/:/usr/sbin/nologin\n");
        assert_eq!(u.name(0), "root");
        assert_eq!(u.name(65534), "nobody");
        assert_eq!(u.name(42), "42");
    }
}
