//! TLS from the web config's `tls_server_config`, with rustls. The certificate, key and
//! client CA files are read again when one of them changes (checked once per new
//! connection by their modification times), so a renewed certificate is served without a
//! restart, as the exporter-toolkit does; a renewal caught half-written keeps the
//! configuration before it and is said once.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::webconfig::{read_bounded, ClientAuth, TlsServerConfig, TlsVersion};

pub struct Tls {
    settings: TlsServerConfig,
    dir: PathBuf,
    current: Mutex<Current>,
}

struct Current {
    stamp: Vec<Option<SystemTime>>,
    config: Arc<ServerConfig>,
    /// The reload error last said, so that it is said once.
    said: Option<String>,
}

impl Tls {
    /// Builds the configuration; an unreadable or mismatched certificate or key is an
    /// error here, at start.
    pub fn new(settings: TlsServerConfig, dir: &Path) -> Result<Tls, String> {
        let stamp = stamps(&settings, dir);
        let config = build(&settings, dir)?;
        Ok(Tls {
            settings,
            dir: dir.to_path_buf(),
            current: Mutex::new(Current {
                stamp,
                config,
                said: None,
            }),
        })
    }

    /// The configuration for a new connection, built again if a file changed.
    pub fn config(&self) -> Arc<ServerConfig> {
        let mut cur = self.current.lock().unwrap_or_else(|p| p.into_inner());
        let stamp = stamps(&self.settings, &self.dir);
        if stamp != cur.stamp {
            match build(&self.settings, &self.dir) {
                Ok(config) => {
                    cur.config = config;
                    cur.stamp = stamp;
                    cur.said = None;
                    eprintln!("memlens serve: TLS certificate files changed; read them again");
                }
                Err(e) => {
                    if cur.said.as_deref() != Some(&e) {
                        eprintln!("memlens serve: TLS files changed but cannot be used ({e}); serving with the ones before");
                        cur.said = Some(e);
                    }
                }
            }
        }
        cur.config.clone()
    }
}

fn resolve(dir: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        dir.join(p)
    }
}

fn files(t: &TlsServerConfig, dir: &Path) -> Vec<PathBuf> {
    [&t.cert_file, &t.key_file, &t.client_ca_file]
        .into_iter()
        .flatten()
        .map(|p| resolve(dir, p))
        .collect()
}

fn stamps(t: &TlsServerConfig, dir: &Path) -> Vec<Option<SystemTime>> {
    files(t, dir)
        .iter()
        .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .collect()
}

/// The PEM text of a setting given inline or as a file.
fn pem(
    dir: &Path,
    file: &Option<PathBuf>,
    inline: &Option<String>,
    what: &str,
) -> Result<Vec<u8>, String> {
    match (file, inline) {
        (Some(f), _) => read_bounded(&resolve(dir, f), what),
        (None, Some(text)) => Ok(text.as_bytes().to_vec()),
        (None, None) => Err(format!("{what}: missing")),
    }
}

fn certificates(bytes: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{what}: not PEM certificates ({e})"))?;
    if certs.is_empty() {
        return Err(format!("{what}: no CERTIFICATE block in it"));
    }
    Ok(certs)
}

fn build(t: &TlsServerConfig, dir: &Path) -> Result<Arc<ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let (min, max) = (t.min_version()?, t.max_version()?);
    let versions: Vec<&'static rustls::SupportedProtocolVersion> = [
        (TlsVersion::Tls12, &rustls::version::TLS12),
        (TlsVersion::Tls13, &rustls::version::TLS13),
    ]
    .into_iter()
    .filter(|(v, _)| (min..=max).contains(v))
    .map(|(_, p)| p)
    .collect();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| format!("tls_server_config: {e}"))?;
    let builder = match t.client_auth()? {
        ClientAuth::None => builder.with_no_client_auth(),
        auth => {
            let what = "tls_server_config.client_ca_file";
            let ca = pem(dir, &t.client_ca_file, &None, what)?;
            let mut roots = RootCertStore::empty();
            for c in certificates(&ca, what)? {
                roots
                    .add(c)
                    .map_err(|e| format!("{what}: a certificate cannot be a CA ({e})"))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if auth == ClientAuth::VerifyIfGiven {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            builder.with_client_cert_verifier(verifier.build().map_err(|e| format!("{what}: {e}"))?)
        }
    };
    let certs = certificates(
        &pem(dir, &t.cert_file, &t.cert, "tls_server_config.cert_file")?,
        "tls_server_config.cert_file",
    )?;
    let key = PrivateKeyDer::from_pem_slice(&pem(
        dir,
        &t.key_file,
        &t.key,
        "tls_server_config.key_file",
    )?)
    .map_err(|e| format!("tls_server_config.key_file: no PEM private key in it ({e})"))?;
    let mut config = builder.with_single_cert(certs, key).map_err(|e| {
        format!("tls_server_config: the certificate and key do not go together ({e})")
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
