//! The web configuration file, in the format of the Prometheus exporter-toolkit
//! (`--web.config.file` of node_exporter and the other official exporters), so that an
//! operator reuses the file, certificates and password hashes they already have:
//!
//! ```yaml
//! tls_server_config:
//!   cert_file: server.crt          # relative paths are taken from the file's folder
//!   key_file: server.key
//!   client_auth_type: RequireAndVerifyClientCert   # optional, with client_ca_file
//!   client_ca_file: clients.crt
//!   min_version: TLS12             # TLS12 or TLS13
//! basic_auth_users:
//!   prometheus: $2y$10$...         # bcrypt hashes (htpasswd -nBC 10 "" | tr -d ':\n')
//! http_server_config:
//!   headers:
//!     Strict-Transport-Security: max-age=31536000
//! ```
//!
//! A key memlens does not know is refused by name, as the toolkit refuses it; the
//! toolkit's keys that memlens does not implement (cipher_suites, curve_preferences,
//! client_allowed_sans, the TLS 1.0/1.1 versions) are refused with the reason, never
//! silently ignored: a TLS setting that is not applied must not look applied.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The largest web configuration, certificate or key file read (1 MiB).
pub const MAX_FILE: u64 = 1 << 20;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    #[serde(default)]
    pub tls_server_config: Option<TlsServerConfig>,
    /// User name to bcrypt hash.
    #[serde(default)]
    pub basic_auth_users: BTreeMap<String, String>,
    #[serde(default)]
    pub http_server_config: Option<HttpServerConfig>,
    /// The folder relative paths are taken from (the file's own).
    #[serde(skip)]
    pub dir: PathBuf,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsServerConfig {
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    /// The certificate and key inline, in PEM (the toolkit's `cert` and `key`).
    pub cert: Option<String>,
    pub key: Option<String>,
    pub client_auth_type: Option<String>,
    pub client_ca_file: Option<PathBuf>,
    pub min_version: Option<String>,
    pub max_version: Option<String>,
    pub cipher_suites: Option<Vec<String>>,
    pub curve_preferences: Option<Vec<String>>,
    /// Deprecated in Go and without effect there; accepted and ignored alike.
    pub prefer_server_cipher_suites: Option<bool>,
    pub client_allowed_sans: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpServerConfig {
    /// memlens speaks HTTP/1.1 only (what Prometheus scrapes with); `true` is accepted.
    pub http2: Option<bool>,
    /// Headers added to every response.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// How a client must present a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    None,
    /// A certificate signed by `client_ca_file` if one is given.
    VerifyIfGiven,
    /// A certificate signed by `client_ca_file`, always.
    Require,
}

/// A TLS protocol version the toolkit names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

/// Reads at most [`MAX_FILE`] bytes of a regular file; the error names the file.
pub fn read_bounded(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    let fail = |e: String| format!("{what} {}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let meta = file.metadata().map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(fail(format!("larger than {} KiB", MAX_FILE / 1024)));
    }
    Ok(bytes)
}

impl WebConfig {
    /// Reads and checks the file: every key known, every hash a bcrypt hash, every
    /// setting one memlens applies.
    pub fn load(path: &Path) -> Result<WebConfig, String> {
        let bytes = read_bounded(path, "--web-config")?;
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("--web-config {}: not UTF-8 text", path.display()))?;
        let mut config =
            WebConfig::parse(&text).map_err(|e| format!("--web-config {}: {e}", path.display()))?;
        config.dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        Ok(config)
    }

    /// Parses and checks the text (relative paths stay relative).
    pub fn parse(text: &str) -> Result<WebConfig, String> {
        // An empty file is the toolkit's "no TLS, no authentication".
        let config: WebConfig = if text.trim().is_empty() {
            WebConfig::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| one_line(&e.to_string()))?
        };
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        for (user, hash) in &self.basic_auth_users {
            hash.parse::<bcrypt::HashParts>().map_err(|e| {
                format!("basic_auth_users: {user:?}: not a bcrypt hash ({e}); make one with: htpasswd -nBC 10 \"\" | tr -d ':\\n'")
            })?;
            if user.contains(':') {
                return Err(format!(
                    "basic_auth_users: {user:?}: a user name cannot hold ':' in basic auth"
                ));
            }
        }
        if let Some(t) = &self.tls_server_config {
            t.check()?;
        }
        if let Some(h) = &self.http_server_config {
            for (name, value) in &h.headers {
                let ok_name = !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
                let ok_value = value
                    .bytes()
                    .all(|b| b == b'\t' || (b' '..=b'~').contains(&b));
                if !ok_name || !ok_value {
                    return Err(format!(
                        "http_server_config.headers: {name:?}: not a valid header name and value"
                    ));
                }
            }
        }
        Ok(())
    }
}

impl TlsServerConfig {
    fn check(&self) -> Result<(), String> {
        let refuse = |key: &str, why: &str| Err(format!("tls_server_config.{key}: {why}"));
        if self.cipher_suites.is_some() {
            return refuse(
                "cipher_suites",
                "not supported: memlens uses rustls, whose suites are all modern AEAD ones; remove the key",
            );
        }
        if self.curve_preferences.is_some() {
            return refuse(
                "curve_preferences",
                "not supported: memlens uses rustls's key exchange groups; remove the key",
            );
        }
        if self.client_allowed_sans.is_some() {
            return refuse(
                "client_allowed_sans",
                "not supported by memlens; remove the key",
            );
        }
        match (&self.cert_file, &self.cert) {
            (Some(_), Some(_)) => return refuse("cert", "give cert_file or cert, not both"),
            (None, None) => return refuse("cert_file", "missing: TLS needs a certificate"),
            _ => {}
        }
        match (&self.key_file, &self.key) {
            (Some(_), Some(_)) => return refuse("key", "give key_file or key, not both"),
            (None, None) => return refuse("key_file", "missing: TLS needs a private key"),
            _ => {}
        }
        let auth = self.client_auth()?;
        if auth != ClientAuth::None && self.client_ca_file.is_none() {
            return refuse(
                "client_ca_file",
                "missing: verifying client certificates needs the CA that signs them",
            );
        }
        let (min, max) = (self.min_version()?, self.max_version()?);
        if min > max {
            return refuse("min_version", "above max_version");
        }
        Ok(())
    }

    /// `client_auth_type`, by the toolkit's (Go's) names.
    pub fn client_auth(&self) -> Result<ClientAuth, String> {
        match self.client_auth_type.as_deref() {
            None | Some("NoClientCert") => Ok(ClientAuth::None),
            Some("VerifyClientCertIfGiven") => Ok(ClientAuth::VerifyIfGiven),
            Some("RequireAndVerifyClientCert") => Ok(ClientAuth::Require),
            Some(t @ ("RequestClientCert" | "RequireAnyClientCert")) => Err(format!(
                "tls_server_config.client_auth_type: {t}: not supported (it accepts certificates nobody signed); use VerifyClientCertIfGiven or RequireAndVerifyClientCert"
            )),
            Some(t) => Err(format!(
                "tls_server_config.client_auth_type: {t:?}: unknown; one of NoClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert"
            )),
        }
    }

    pub fn min_version(&self) -> Result<TlsVersion, String> {
        version(
            "min_version",
            self.min_version.as_deref(),
            TlsVersion::Tls12,
        )
    }

    pub fn max_version(&self) -> Result<TlsVersion, String> {
        version(
            "max_version",
            self.max_version.as_deref(),
            TlsVersion::Tls13,
        )
    }
}

fn version(key: &str, v: Option<&str>, default: TlsVersion) -> Result<TlsVersion, String> {
    match v {
        None => Ok(default),
        Some("TLS12") => Ok(TlsVersion::Tls12),
        Some("TLS13") => Ok(TlsVersion::Tls13),
        Some(v @ ("TLS10" | "TLS11")) => Err(format!(
            "tls_server_config.{key}: {v}: not supported (rustls speaks TLS 1.2 and 1.3 only)"
        )),
        Some(v) => Err(format!(
            "tls_server_config.{key}: {v:?}: unknown; TLS12 or TLS13"
        )),
    }
}

/// A parser's message on one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    // A bcrypt hash of "secret" with cost 4, made by htpasswd's $2y$ variant.
    const HASH: &str = "$2y$04$yvM9kjgfURXPfxVruAFyLOZiy3efVybCLnaQgkmsC/sAgwqVc7CyG";

    #[test]
    fn an_empty_file_is_plain_http_without_users() {
        let c = WebConfig::parse("").unwrap();
        assert!(c.tls_server_config.is_none());
        assert!(c.basic_auth_users.is_empty());
        let c = WebConfig::parse("# nothing\n").unwrap();
        assert!(c.basic_auth_users.is_empty());
    }

    #[test]
    fn the_toolkit_format_is_read() {
        let text = format!(
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  min_version: TLS13\nbasic_auth_users:\n  prometheus: {HASH}\nhttp_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n"
        );
        let c = WebConfig::parse(&text).unwrap();
        let t = c.tls_server_config.as_ref().unwrap();
        assert_eq!(t.cert_file.as_deref(), Some(Path::new("a.crt")));
        assert_eq!(t.client_auth().unwrap(), ClientAuth::Require);
        assert_eq!(t.min_version().unwrap(), TlsVersion::Tls13);
        assert_eq!(t.max_version().unwrap(), TlsVersion::Tls13);
        assert_eq!(c.basic_auth_users["prometheus"], HASH);
        assert_eq!(
            c.http_server_config.unwrap().headers["X-Frame-Options"],
            "deny"
        );
    }

    #[test]
    fn what_is_not_applied_is_refused_by_name() {
        for (text, said) in [
            ("tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", "cipher_suites"),
            ("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS10\n", "TLS10"),
            ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAnyClientCert\n", "RequireAnyClientCert"),
            ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n", "client_ca_file"),
            ("tls_server_config:\n  cert_file: a\n", "key_file"),
            ("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n", "above max_version"),
            ("basic_auth_users:\n  prometheus: secret\n", "not a bcrypt hash"),
            ("basic_auth_user:\n  prometheus: x\n", "basic_auth_user"),
            ("tls_server_config:\n  cert_fil: a\n", "cert_fil"),
            ("http_server_config:\n  headers:\n    \"Bad Name\": x\n", "not a valid header"),
            ("tls_server_config: [\n", ""),
        ] {
            let e = WebConfig::parse(text).unwrap_err();
            assert!(e.contains(said), "{text:?} gave {e:?}");
            assert!(!e.contains('\n'), "{e:?} is not one line");
        }
    }

    #[test]
    fn relative_paths_are_the_files_folder() {
        let dir = std::env::temp_dir().join(format!("memlens-webconfig-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("web.yml");
        std::fs::write(&path, "basic_auth_users: {}\n").unwrap();
        assert_eq!(WebConfig::load(&path).unwrap().dir, dir);
        let e = WebConfig::load(&dir).unwrap_err();
        assert!(e.contains("not a regular file"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
