//! Links the `memlens` binary with packed relative relocations (`DT_RELR`) where the C
//! library can load them (glibc 2.36 and later): a position-independent binary of this size
//! has about 20,000 relative relocations, 490 KB of `.rela.dyn` that every run reads and
//! keeps resident; packed they take 6 KB. At 1,000 processes that is the difference
//! between `ps --json` peaking above and below 10 MiB (see the README's Benchmarks).
//!
//! Only for a native build (the host's C library is the one that will load it), and only
//! when the host's glibc says its version: elsewhere the binary is linked as before.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || var("HOST") != var("TARGET")
    {
        return;
    }
    let Ok(out) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else {
        return;
    };
    if glibc_loads_relr(&String::from_utf8_lossy(&out.stdout)) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether `getconf GNU_LIBC_VERSION` (`glibc 2.36`) names a glibc of 2.36 or later.
fn glibc_loads_relr(version: &str) -> bool {
    let Some(v) = version.trim().strip_prefix("glibc ") else {
        return false;
    };
    let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor) >= (2, 36),
        _ => false,
    }
}
