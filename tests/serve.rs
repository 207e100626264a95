//! `memlens serve` against real software: a real Prometheus scrapes it (over TLS with
//! basic auth, and in the clear) and stores what `sys`, `ps` and `cgroup` say for the same
//! snapshot; node_exporter, scraped around `memlens metrics`, agrees on the figures both
//! expose; and slow, oversized, flooding and unauthenticated clients neither stop it nor
//! get through. The load test is in tests/serve_load.rs (alone in its binary).

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::http::*;
use common::*;
use serde_json::Value;

/// bcrypt of "secret" (cost 4), as `htpasswd -nbBC 4 "" secret` makes it.
const HASH: &str = "$2y$04$yvM9kjgfURXPfxVruAFyLOZiy3efVybCLnaQgkmsC/sAgwqVc7CyG";
/// What Prometheus 2.42 asks for.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// Code pages a process maps that others map too move its PSS as processes come and go.
const CODE_NOISE: i64 = MIB;

fn tree() -> String {
    fixture("vm-6.18-hybrid")
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("memlens-serve-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs openssl with these arguments, quietly; it must succeed.
fn openssl(args: &[&str], dir: &Path) {
    let ok = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success(), "openssl {args:?} failed");
}

/// A CA (`ca.crt`, `ca.key`) and a client certificate it signed for Prometheus
/// (`client.crt`, `client.key`), by openssl.
fn client_certificate(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-days",
        "2",
        "-subj",
        "/CN=memlens test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    ]);
    openssl(&ca, dir);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-subj",
        "/CN=prometheus",
        "-keyout",
        "client.key",
        "-out",
        "client.csr",
    ]);
    openssl(&csr, dir);
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "client.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "client.ext",
            "-out",
            "client.crt",
        ],
        dir,
    );
}

/// A self-signed certificate for localhost and 127.0.0.1, and its key, by openssl.
fn certificate(dir: &Path) -> (PathBuf, PathBuf) {
    assert!(have("openssl"), "openssl is needed (.ci/run installs it)");
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.crt",
        ],
        dir,
    );
    (dir.join("server.crt"), dir.join("server.key"))
}

#[test]
fn the_endpoint_serves_both_formats_and_its_pages() {
    let root = tree();
    let s = Serve::start(&["--root", &root]);
    let plain = get(s.addr, "/metrics", &[]);
    assert_eq!(plain.status, 200);
    assert_eq!(
        plain.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let once = memlens(&["--root", &root, "metrics"]);
    assert_eq!(timeless(&plain.body), timeless(&once.stdout));
    // OpenMetrics when the scraper prefers it, as Prometheus does.
    let om = get(s.addr, "/metrics", &[("Accept", PROMETHEUS_ACCEPT)]);
    assert_eq!(
        om.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    assert!(om.body.ends_with("# EOF\n"));
    let once = memlens(&["--root", &root, "metrics", "--openmetrics"]);
    assert_eq!(timeless(&om.body), timeless(&once.stdout));
    let text = get(
        s.addr,
        "/metrics",
        &[("Accept", "text/plain;version=0.0.4")],
    );
    assert_eq!(text.body, plain.body);
    // The index links to the metrics; health says when the snapshot was taken.
    let index = get(s.addr, "/", &[]);
    assert_eq!(index.status, 200);
    assert!(index.body.contains("href=\"metrics\""), "{}", index.body);
    let health = get(s.addr, "/healthz", &[]);
    assert_eq!(health.status, 200);
    assert!(
        health.body.starts_with("ok: snapshot of "),
        "{}",
        health.body
    );
    assert_eq!(get(s.addr, "/nothing", &[]).status, 404);
    // GET and HEAD only; no request body is read.
    let post = exchange(
        s.addr,
        b"POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
    )
    .unwrap();
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    let head = exchange(s.addr, b"HEAD /metrics HTTP/1.0\r\n\r\n").unwrap();
    assert_eq!(head.status, 200);
    assert_eq!(head.body, "");
    let body = exchange(
        s.addr,
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    )
    .unwrap();
    assert_eq!(body.status, 413);
}

#[test]
fn bad_configurations_are_one_line_errors_before_listening() {
    let dir = temp_dir("badconfig");
    let web = dir.join("web.yml");
    for (text, said) in [
        ("basic_auth_users:\n  prom: plain\n", "not a bcrypt hash"),
        (
            "tls_server_config:\n  cert_file: none.crt\n  key_file: none.key\n",
            "none.crt",
        ),
        (
            "tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [x]\n",
            "cipher_suites",
        ),
        ("what: 1\n", "what"),
    ] {
        std::fs::write(&web, text).unwrap();
        let r = memlens(&[
            "--root",
            &tree(),
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--web-config",
            web.to_str().unwrap(),
        ]);
        assert_eq!(r.code, EXIT_USAGE, "{text:?}: {}", r.stderr);
        assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains(said), "{text:?}: {}", r.stderr);
    }
    // A port taken, and --at (serve reads the machine as it is).
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let r = memlens(&["--root", &tree(), "serve", "--listen", &addr]);
    assert_eq!(r.code, EXIT_USAGE, "{}", r.stderr);
    assert!(
        r.stderr.contains(&addr) && r.stderr.contains("in use"),
        "{}",
        r.stderr
    );
    let r = memlens(&["--at", "now", "serve"]);
    assert_eq!(r.code, EXIT_USAGE, "{}", r.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The value of an instant query that gives one series.
fn query(prom: SocketAddr, q: &str) -> Option<f64> {
    let r = try_get(prom, &format!("/api/v1/query?query={}", encode(q)), &[])?;
    let j: Value = serde_json::from_str(&r.body).ok()?;
    let result = j["data"]["result"].as_array()?;
    if result.len() != 1 {
        return None;
    }
    result[0]["value"][1].as_str()?.parse().ok()
}

/// Prometheus's view of its targets: job to (health, last error).
fn targets(prom: SocketAddr) -> Vec<(String, String, String)> {
    let body = try_get(prom, "/api/v1/targets", &[])
        .map(|r| r.body)
        .unwrap_or_default();
    let j: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    j["data"]["activeTargets"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .map(|t| {
                    (
                        t["labels"]["job"].as_str().unwrap_or("").to_string(),
                        t["health"].as_str().unwrap_or("").to_string(),
                        t["lastError"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_real_prometheus_scrapes_what_sys_ps_and_cgroup_say() {
    assert!(
        have("prometheus"),
        "Prometheus is needed (.ci/run installs Debian's prometheus)"
    );
    let dir = temp_dir("prometheus");
    let (cert, _key) = certificate(&dir);
    let web = dir.join("web.yml");
    std::fs::write(
        &web,
        format!(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prom: {HASH}\n"
        ),
    )
    .unwrap();
    let root = tree();
    // A capture over TLS with basic auth: its figures are fixed, so they must be stored
    // exactly as the views print them.
    let capture = Serve::start(&[
        "--root",
        &root,
        "--web-config",
        web.to_str().unwrap(),
        "--top",
        "3",
    ]);
    assert!(capture.said.lock().unwrap().contains("https://"));
    // The same capture for clients with a certificate of the test CA only.
    client_certificate(&dir);
    let mtls_web = dir.join("mtls.yml");
    std::fs::write(
        &mtls_web,
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n",
    )
    .unwrap();
    let mtls = Serve::start(&["--root", &root, "--web-config", mtls_web.to_str().unwrap()]);
    // The live machine in the clear, with a lab process in a cgroup of its own.
    let mut group = TestGroup::new("memlens-serve-test", 256 << 20);
    if let Some(g) = group.as_mut() {
        g.run_lab("leak --count 4 --size 16M");
    }
    let live = Serve::start(&[
        "--interval",
        "1s",
        "--top",
        "0",
        "--process",
        "memlens lab",
        "--cgroup-depth",
        "1",
    ]);
    let port = free_port();
    let prom_addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let config = dir.join("prometheus.yml");
    let tls = format!(
        "    scheme: https\n    tls_config:\n      ca_file: {}\n      server_name: localhost\n",
        cert.display()
    );
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: capture\n{tls}    basic_auth:\n      username: prom\n      password: secret\n    static_configs:\n      - targets: ['{}']\n  - job_name: denied\n{tls}    basic_auth:\n      username: prom\n      password: wrong\n    static_configs:\n      - targets: ['{}']\n  - job_name: live\n    static_configs:\n      - targets: ['{}']\n  - job_name: mtls\n{tls}      cert_file: {}\n      key_file: {}\n    static_configs:\n      - targets: ['{}']\n  - job_name: mtls-without-certificate\n{tls}    static_configs:\n      - targets: ['{}']\n",
            capture.addr,
            capture.addr,
            live.addr,
            dir.join("client.crt").display(),
            dir.join("client.key").display(),
            mtls.addr,
            mtls.addr
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
    let _prometheus = Guard(
        Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={prom_addr}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus"),
    );
    // Every target scraped at least once: three up; down, the one with the wrong password and the one without a client certificate.
    let seen = wait_for(90, "Prometheus to scrape its five targets", || {
        let t = targets(prom_addr);
        let health = |job: &str| {
            t.iter()
                .find(|(j, _, _)| j == job)
                .map(|(_, h, _)| h.clone())
        };
        let up = ["capture", "live", "mtls"]
            .iter()
            .all(|j| health(j).as_deref() == Some("up"));
        let down = ["denied", "mtls-without-certificate"]
            .iter()
            .all(|j| health(j).as_deref() == Some("down"));
        (up && down).then_some(t)
    });
    let error = |job: &str| seen.iter().find(|(j, _, _)| j == job).unwrap().2.clone();
    assert!(
        error("denied").contains("401"),
        "the wrong password: {}",
        error("denied")
    );
    let refused = error("mtls-without-certificate");
    assert!(
        refused.contains("certificate"),
        "no client certificate: {refused}"
    );
    let sys = memlens(&["--root", &root, "sys", "--json"]).json();
    let q = |query_text: String| q_once(prom_addr, &query_text);
    let stored = q("memlens_memory_total_bytes{job=\"mtls\"}".to_string());
    assert_eq!(stored, sys["total"].as_f64().unwrap(), "over mutual TLS");
    // The capture's system figures, as `sys --json` prints them.
    for key in [
        "total",
        "free",
        "available",
        "cached",
        "anon",
        "slab",
        "swap_used",
    ] {
        let stored = q(format!("memlens_memory_{key}_bytes{{job=\"capture\"}}"));
        assert_eq!(stored, sys[key].as_f64().unwrap(), "{key}");
    }
    // The capture's process with the most PSS: its PSS (the sum of its kinds) and RSS.
    let ps = memlens(&["--root", &root, "ps", "--json", "--sort", "pss"]).json();
    let first = &ps["processes"][0];
    let pid = first["pid"].as_u64().unwrap();
    let pss = q(format!(
        "sum(memlens_process_pss_bytes{{job=\"capture\",pid=\"{pid}\"}})"
    ));
    assert_eq!(pss, first["pss"].as_f64().unwrap());
    let rss = q(format!(
        "memlens_process_rss_bytes{{job=\"capture\",pid=\"{pid}\"}}"
    ));
    assert_eq!(rss, first["rss"].as_f64().unwrap());
    // The capture's cgroups to depth 2, each usage as `cgroup --json` prints it.
    let cg = memlens(&["--root", &root, "cgroup", "--depth", "2", "--json"]).json();
    let mut compared = 0;
    for h in cg["hierarchies"].as_array().unwrap() {
        let version = format!(
            "v{}",
            h["version"].as_str().unwrap_or("").trim_start_matches('v')
        );
        for c in h["cgroups"].as_array().unwrap() {
            let Some(usage) = c["usage"].as_f64() else {
                continue;
            };
            let path = c["path"].as_str().unwrap();
            let stored = q(format!(
                "memlens_cgroup_memory_usage_bytes{{job=\"capture\",cgroup=\"{path}\",version=\"{version}\"}}"
            ));
            assert_eq!(stored, usage, "{path} ({version})");
            compared += 1;
        }
    }
    assert!(compared >= 3, "cgroups compared: {compared}");
    // The live lab process and its cgroup, against ps and cgroup on the live machine.
    if let Some(g) = &group {
        let lab = g.child.as_ref().unwrap().id();
        let now = memlens(&["ps", "--pid", &lab.to_string(), "--json"]).json();
        let want = int(&now["processes"][0], "pss");
        let stored = q(format!(
            "sum(memlens_process_pss_bytes{{job=\"live\",pid=\"{lab}\"}})"
        ));
        close("live lab PSS", stored as i64, want, CODE_NOISE);
        assert!(stored as i64 >= 64 * MIB, "the lab holds 64 MiB: {stored}");
        let rel = g.rel();
        let usage = memlens(&["cgroup", &rel, "--json"]).json();
        let want = int(&usage["hierarchies"][0]["cgroups"][0], "usage");
        let stored = q(format!(
            "memlens_cgroup_memory_usage_bytes{{job=\"live\",cgroup=\"{rel}\"}}"
        ));
        close("live lab cgroup usage", stored as i64, want, CODE_NOISE);
    } else {
        eprintln!("no writable memory cgroup hierarchy (not root?): the live lab part is skipped");
    }
    // Every expression of the dashboard and the alerting rules is one Prometheus runs.
    for expr in contrib_expressions() {
        let r = get(
            prom_addr,
            &format!("/api/v1/query?query={}", encode(&expr)),
            &[],
        );
        let j: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(j["status"], "success", "{expr}: {}", r.body);
    }
    drop(live);
    drop(capture);
    drop(mtls);
    let _ = std::fs::remove_dir_all(&dir);
}

/// An instant query that must give one value within 30 s.
fn q_once(prom: SocketAddr, q: &str) -> f64 {
    wait_for(30, q, || query(prom, q))
}

/// The PromQL of contrib/: the dashboard's targets (its variables given values) and the
/// alerting rules' expressions.
fn contrib_expressions() -> Vec<String> {
    let contrib = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib");
    let dash: Value = serde_json::from_str(
        &std::fs::read_to_string(contrib.join("memlens-dashboard.json")).unwrap(),
    )
    .unwrap();
    let mut out: Vec<String> = dash["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().unwrap().iter())
        .map(|t| {
            t["expr"]
                .as_str()
                .unwrap()
                .replace("$instance", ".*")
                .replace("$__rate_interval", "1m")
        })
        .collect();
    assert!(out.len() >= 10, "dashboard targets: {}", out.len());
    let rules = std::fs::read_to_string(contrib.join("memlens-alerts.yml")).unwrap();
    let before = out.len();
    out.extend(
        rules
            .lines()
            .filter_map(|l| l.trim().strip_prefix("expr: "))
            .map(str::to_string),
    );
    assert!(
        out.len() - before >= 8,
        "alert rules: {}",
        out.len() - before
    );
    out
}

#[test]
fn contrib_names_only_metrics_memlens_exports_and_promtool_accepts_the_rules() {
    let listed = memlens(&["metrics", "--list"]).stdout;
    let re = regex::Regex::new(r"memlens_[a-z0-9_]+").unwrap();
    for expr in contrib_expressions() {
        for m in re.find_iter(&expr) {
            assert!(
                listed.contains(&format!("`{}`", m.as_str())),
                "{} (in {expr}) is not a metric memlens exports",
                m.as_str()
            );
        }
    }
    assert!(
        have("promtool"),
        "promtool is needed (.ci/run installs Debian's prometheus)"
    );
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/memlens-alerts.yml");
    let out = Command::new("promtool")
        .arg("check")
        .arg("rules")
        .arg(&rules)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("SUCCESS: 8 rules found"), "{said}");
}

/// One scrape of an exposition over HTTP: metric line (name and labels) to value.
fn scrape(addr: SocketAddr) -> std::collections::BTreeMap<String, f64> {
    exposition_samples(&get(addr, "/metrics", &[]).body)
}

#[test]
fn node_exporter_and_memlens_agree_on_the_figures_both_expose() {
    let exporter = "prometheus-node-exporter";
    assert!(
        have(exporter),
        "node_exporter is needed (.ci/run installs Debian's prometheus-node-exporter)"
    );
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let _node = Guard(
        Command::new(exporter)
            .arg(format!("--web.listen-address={addr}"))
            .args([
                "--collector.disable-defaults",
                "--collector.meminfo",
                "--collector.vmstat",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for(30, "node_exporter to listen", || {
        TcpStream::connect(addr).ok()
    });
    // Levels: memlens's reading falls between node_exporter's before and after, give or
    // take what moved meanwhile (memlens's own memory among it; Committed_AS is left out,
    // as memlens's thread stacks alone move it by more); counters: exactly between.
    const LEVELS: &[(&str, &str)] = &[
        ("node_memory_MemTotal_bytes", "memlens_memory_total_bytes"),
        ("node_memory_MemFree_bytes", "memlens_memory_free_bytes"),
        (
            "node_memory_MemAvailable_bytes",
            "memlens_memory_available_bytes",
        ),
        ("node_memory_Buffers_bytes", "memlens_memory_buffers_bytes"),
        ("node_memory_Cached_bytes", "memlens_memory_cached_bytes"),
        ("node_memory_Shmem_bytes", "memlens_memory_shared_bytes"),
        ("node_memory_AnonPages_bytes", "memlens_memory_anon_bytes"),
        (
            "node_memory_SwapFree_bytes",
            "memlens_memory_swap_free_bytes",
        ),
        (
            "node_memory_SwapTotal_bytes",
            "memlens_memory_swap_total_bytes",
        ),
        (
            "node_memory_Committed_AS_bytes",
            "memlens_memory_committed_as_bytes",
        ),
    ];
    const COUNTERS: &[(&str, &str)] = &[
        ("node_vmstat_pgfault", "memlens_vmstat_pgfault_total"),
        ("node_vmstat_pgmajfault", "memlens_vmstat_pgmajfault_total"),
        ("node_vmstat_pgpgin", "memlens_vmstat_pgpgin_total"),
        ("node_vmstat_pgpgout", "memlens_vmstat_pgpgout_total"),
        ("node_vmstat_pswpin", "memlens_vmstat_pswpin_total"),
        ("node_vmstat_pswpout", "memlens_vmstat_pswpout_total"),
        ("node_vmstat_oom_kill", "memlens_vmstat_oom_kill_total"),
    ];
    agree_within_tries(5, || {
        let before = scrape(addr);
        let r = memlens(&["metrics", "--top", "0"]);
        let after = scrape(addr);
        let ours = exposition_samples(&r.stdout);
        for (node, mine) in LEVELS {
            let (a, b) = (before[*node], after[*node]);
            let m = *ours.get(*mine).ok_or(format!("{mine} missing"))?;
            let slack = 8.0 * MIB as f64;
            if m < a.min(b) - slack || m > a.max(b) + slack {
                return Err(format!("{mine} = {m}, node_exporter {a} then {b}"));
            }
        }
        for (node, mine) in COUNTERS {
            let Some(&a) = before.get(*node) else {
                continue;
            };
            let b = after[*node];
            let m = ours[*mine];
            if m < a || m > b {
                return Err(format!("{mine} = {m}, node_exporter {a} then {b}"));
            }
        }
        Ok(())
    });
}

/// Sends `bytes` one at a time, `pause` apart, until the server closes the connection
/// or `give_up` passes; how long the server let it go on.
fn trickle(addr: SocketAddr, bytes: &[u8], pause: Duration, give_up: Duration) -> Duration {
    let start = Instant::now();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(pause)).unwrap();
    for b in bytes.iter().cycle() {
        if s.write_all(&[*b]).is_err() {
            break;
        }
        let mut buf = [0u8; 512];
        match s.read(&mut buf) {
            Ok(_) => break, // closed, or an answer: the server ended it
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => break,
        }
        if start.elapsed() > give_up {
            break;
        }
    }
    start.elapsed()
}

#[test]
fn slow_oversized_flooding_and_unauthenticated_clients_do_not_stall_or_get_in() {
    let dir = temp_dir("faults");
    let web = dir.join("web.yml");
    std::fs::write(&web, format!("basic_auth_users:\n  prom: {HASH}\n")).unwrap();
    let mut s = Serve::start(&[
        "--root",
        &tree(),
        "--web-config",
        web.to_str().unwrap(),
        "--max-connections",
        "8",
    ]);
    let auth = basic("prom", "secret");
    let ok = |s: &Serve| get(s.addr, "/metrics", &[("Authorization", &auth)]).status;
    // Authentication: none, a wrong password and an unknown user are refused.
    let none = get(s.addr, "/metrics", &[]);
    assert_eq!(none.status, 401);
    assert!(none
        .header("www-authenticate")
        .unwrap()
        .starts_with("Basic"));
    assert!(!none.body.contains("memlens_"));
    assert_eq!(
        get(
            s.addr,
            "/metrics",
            &[("Authorization", &basic("prom", "Secret"))]
        )
        .status,
        401
    );
    assert_eq!(
        get(
            s.addr,
            "/metrics",
            &[("Authorization", &basic("root", "secret"))]
        )
        .status,
        401
    );
    assert_eq!(get(s.addr, "/healthz", &[]).status, 401);
    assert_eq!(ok(&s), 200);
    // A client sending its headers a byte at a time is cut off after the 10 s allowed,
    // and meanwhile scrapes are answered at once.
    let slow_addr = s.addr;
    let slow = std::thread::spawn(move || {
        trickle(
            slow_addr,
            b"GET /metrics HTTP/1.1\r\nX-Slow: ",
            Duration::from_millis(300),
            Duration::from_secs(40),
        )
    });
    std::thread::sleep(Duration::from_secs(1));
    let t = Instant::now();
    assert_eq!(ok(&s), 200);
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "a scrape beside a slow client took {:?}",
        t.elapsed()
    );
    let cut = slow.join().unwrap();
    assert!(
        cut >= Duration::from_secs(9) && cut < Duration::from_secs(20),
        "the slow client was cut after {cut:?}"
    );
    // Oversized heads: one 64 KiB header, and 200 headers: 431, and the server goes on.
    let big = format!(
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(64 << 10)
    );
    assert_eq!(
        exchange(s.addr, big.as_bytes()).map(|r| r.status),
        Some(431)
    );
    let mut many = String::from("GET /metrics HTTP/1.1\r\nHost: x\r\n");
    for i in 0..200 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    assert_eq!(
        exchange(s.addr, many.as_bytes()).map(|r| r.status),
        Some(431)
    );
    assert_eq!(ok(&s), 200);
    // A flood of 300 idle connections: those over --max-connections are closed at once,
    // so the server holds a bounded number of descriptors; once the flood goes, scrapes
    // are answered again.
    let before = s.fds();
    let flood: Vec<TcpStream> = (0..300)
        .filter_map(|_| TcpStream::connect(s.addr).ok())
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let during = s.fds();
    assert!(
        during <= before + 8 + 2,
        "descriptors: {before} before the flood, {during} during it"
    );
    drop(flood);
    // A connection made while the server still counts the flood's is closed at accept:
    // no answer is no answer yet, so this asks again until one comes.
    wait_for(15, "a scrape after the flood", || {
        try_get(s.addr, "/metrics", &[("Authorization", &auth)])
            .filter(|r| r.status == 200)
            .map(|_| ())
    });
    assert!(s.alive(), "the server died");
    let said = s.said.lock().unwrap().clone();
    assert_eq!(said.matches("connections at once").count(), 1, "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_leaking_process_gets_a_leak_verdict_and_its_slope_a_steady_one_none() {
    // 4 MiB every 200 ms for 16 s: 20 MiB/s; beside it a process that set up and holds.
    let leaking = Lab::start_growing(&[
        "leak",
        "--size",
        "4M",
        "--count",
        "80",
        "--interval",
        "200ms",
    ]);
    let steady = Lab::start(&["leak", "--size", "4M", "--count", "2"]);
    let s = Serve::start(&[
        "--interval",
        "250ms",
        "--top",
        "0",
        "--process",
        "memlens lab",
        "--trend-window",
        "30s",
    ]);
    let series = |name: &str, pid: u32| -> Option<f64> {
        let body = get(s.addr, "/metrics", &[]).body;
        body.lines()
            .find(|l| l.starts_with(&format!("{name}{{pid=\"{pid}\",")))
            .and_then(|l| l.rsplit_once(' '))
            .and_then(|(_, v)| v.parse().ok())
    };
    // No verdict before 8 samples (2 s), then one.
    assert_eq!(series("memlens_process_leaking", leaking.pid()), None);
    wait_for(12, "a leak verdict", || {
        (series("memlens_process_leaking", leaking.pid())? == 1.0).then_some(())
    });
    let slope = series("memlens_process_leak_slope_bytes_per_second", leaking.pid()).unwrap();
    let rate = 20.0 * MIB as f64;
    assert!(
        slope > rate * 0.5 && slope < rate * 1.5,
        "slope {slope} B/s, the lab grows {rate} B/s"
    );
    assert_eq!(series("memlens_process_leaking", steady.pid()), Some(0.0));
    let flat = series("memlens_process_leak_slope_bytes_per_second", steady.pid()).unwrap();
    assert!(
        flat.abs() < 64.0 * 1024.0,
        "the steady process's slope: {flat} B/s"
    );
}

#[test]
fn the_serve_unit_is_valid_and_its_two_capabilities_read_every_process() {
    let unit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/memlens-serve.service"),
    )
    .unwrap();
    assert!(unit.contains("DynamicUser=yes") && unit.contains("NoNewPrivileges=yes"));
    assert!(unit.contains("AmbientCapabilities=CAP_SYS_PTRACE CAP_DAC_READ_SEARCH"));
    match systemd_complaints("memlens-serve.service") {
        Some(c) => assert!(c.is_empty(), "{c:?}"),
        None => eprintln!("no systemd-analyze here"),
    }
    if !is_root() {
        eprintln!("not root: the capability part needs root to set up");
        return;
    }
    // A process of root's, which an unprivileged user may not read the smaps_rollup of.
    let lab = Lab::start(&["leak", "--size", "4M", "--count", "1"]);
    let pid = lab.pid().to_string();
    let args = [
        "metrics",
        "--top",
        "0",
        "--process",
        "memlens lab",
        "--cgroup-depth",
        "0",
    ];
    let partial = |r: &Run| -> f64 {
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
            .lines()
            .find_map(|l| l.strip_prefix("memlens_processes_partial "))
            .unwrap()
            .parse()
            .unwrap()
    };
    let has_pss = |r: &Run| {
        r.stdout
            .contains(&format!("memlens_process_pss_bytes{{pid=\"{pid}\""))
    };
    // Without capabilities: root's processes are partly read, the lab's PSS is missing.
    let bare = as_user(&args, Some(Path::new("/")));
    assert!(partial(&bare) > 0.0);
    assert!(
        !has_pss(&bare),
        "read root's smaps_rollup without privileges?"
    );
    // With the unit's two capabilities, as root.
    let caps = "+sys_ptrace,+dac_read_search";
    let capped = as_user_with(
        &["--inh-caps", caps, "--ambient-caps", caps],
        &args,
        Some(Path::new("/")),
    );
    // Exactly what root reads whole (a sandbox's init may be out of root's reach too).
    let as_root = memlens(&args);
    assert_eq!(partial(&capped), partial(&as_root), "{}", capped.stderr);
    assert!(partial(&bare) > partial(&as_root));
    assert!(has_pss(&capped), "the lab's PSS with CAP_SYS_PTRACE");
}
