//! Basic authentication against the web config's bcrypt hashes.
//!
//! bcrypt is slow on purpose (cost 10 is some 50 ms of a core), so: a password checked
//! good is remembered for its user (one entry per configured user, compared in constant
//! time) and Prometheus's scrape every 15 s costs one bcrypt in all, not one each; the
//! checks that need bcrypt run off the serving thread, one at a time, so a client
//! guessing passwords slows only other guessers, never a scrape that was already let in;
//! an unknown user is checked against a dummy hash, so that the answer takes as long as
//! for a known one.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::sync::Semaphore;

pub struct BasicAuth {
    users: BTreeMap<String, String>,
    /// The password last found good, per user.
    good: Mutex<HashMap<String, Vec<u8>>>,
    /// One bcrypt at a time.
    gate: Arc<Semaphore>,
    dummy: String,
}

/// What a request's `Authorization` header proves.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Refused,
}

impl BasicAuth {
    /// `None` when the config names no user: every request is let in.
    pub fn new(users: BTreeMap<String, String>) -> Option<BasicAuth> {
        if users.is_empty() {
            return None;
        }
        // A hash of the same cost as the users' (the highest), for unknown users.
        let cost = users
            .values()
            .filter_map(|h| h.parse::<bcrypt::HashParts>().ok())
            .map(|p| p.get_cost())
            .max()
            .unwrap_or(bcrypt::DEFAULT_COST);
        let dummy = bcrypt::hash("memlens-unknown-user", cost).unwrap_or_default();
        Some(BasicAuth {
            users,
            good: Mutex::new(HashMap::new()),
            gate: Arc::new(Semaphore::new(1)),
            dummy,
        })
    }

    /// Checks an `Authorization` header value.
    pub async fn check(self: &Arc<Self>, header: Option<&[u8]>) -> Verdict {
        let Some((user, password)) = header.and_then(credentials) else {
            return Verdict::Refused;
        };
        let known = self.users.contains_key(&user);
        if known {
            let good = self.good.lock().unwrap_or_else(|p| p.into_inner());
            if good
                .get(&user)
                .is_some_and(|p| constant_time_eq(p, password.as_bytes()))
            {
                return Verdict::Allowed;
            }
        }
        let Ok(_permit) = self.gate.clone().acquire_owned().await else {
            return Verdict::Refused;
        };
        let me = self.clone();
        let verified = tokio::task::spawn_blocking(move || {
            let hash = me.users.get(&user).unwrap_or(&me.dummy);
            let ok = bcrypt::verify(password.as_bytes(), hash).unwrap_or(false) && known;
            if ok {
                me.good
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(user, password.into_bytes());
            }
            ok
        })
        .await
        .unwrap_or(false);
        if verified {
            Verdict::Allowed
        } else {
            Verdict::Refused
        }
    }
}

/// The user and password of `Basic base64(user:password)`.
fn credentials(header: &[u8]) -> Option<(String, String)> {
    let header = std::str::from_utf8(header).ok()?.trim();
    let (scheme, rest) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // "secret", bcrypt cost 4, from htpasswd -nbBC 4 "" secret.
    const HASH: &str = "$2y$04$yvM9kjgfURXPfxVruAFyLOZiy3efVybCLnaQgkmsC/sAgwqVc7CyG";

    fn header(user: &str, password: &str) -> Vec<u8> {
        let b = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        format!("Basic {b}").into_bytes()
    }

    #[test]
    fn only_the_right_user_and_password_get_in() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let auth = Arc::new(
            BasicAuth::new(BTreeMap::from([("prom".to_string(), HASH.to_string())])).unwrap(),
        );
        rt.block_on(async {
            assert_eq!(auth.check(None).await, Verdict::Refused);
            assert_eq!(auth.check(Some(b"Bearer x")).await, Verdict::Refused);
            assert_eq!(auth.check(Some(b"Basic !!!")).await, Verdict::Refused);
            assert_eq!(
                auth.check(Some(&header("prom", "wrong"))).await,
                Verdict::Refused
            );
            assert_eq!(
                auth.check(Some(&header("other", "secret"))).await,
                Verdict::Refused
            );
            // Twice: the second from the remembered password.
            for _ in 0..2 {
                assert_eq!(
                    auth.check(Some(&header("prom", "secret"))).await,
                    Verdict::Allowed
                );
            }
            assert_eq!(
                auth.check(Some(&header("prom", "secreT"))).await,
                Verdict::Refused
            );
            assert_eq!(
                auth.check(Some(&header("prom", "secret"))).await,
                Verdict::Allowed
            );
        });
        assert!(BasicAuth::new(BTreeMap::new()).is_none());
    }

    #[test]
    fn a_password_may_hold_a_colon() {
        assert_eq!(
            credentials(&header("u", "a:b")),
            Some(("u".to_string(), "a:b".to_string()))
        );
    }
}
