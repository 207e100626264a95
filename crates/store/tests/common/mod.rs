//! What the store's tests share: snapshots collected from the fixture trees, a synthetic
//! machine of many processes that changes a little each sample, and scratch directories.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use memlens_model::{Part, ProcessSample, Snapshot};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::Root;

pub const SECOND: u64 = 1_000_000_000;

/// A snapshot of a fixture tree, with everything collected.
pub fn fixture(name: &str) -> Snapshot {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    let mut s = collect(&Root::open(dir).unwrap(), &Plan::everything());
    s.meta.taken_at_ns.get_or_insert(1_795_305_869 * SECOND);
    s
}

/// xorshift64*: a small deterministic generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    /// A small signed change in pages of 4 KiB.
    pub fn pages(&mut self, max: u64) -> i64 {
        (self.below(2 * max + 1) as i64 - max as i64) * 4096
    }
}

pub fn nudge(v: &mut Option<u64>, d: i64) {
    if let Some(x) = v {
        *x = x.saturating_add_signed(d);
    }
}

fn nudge_u(x: &mut u64, d: i64) {
    *x = x.saturating_add_signed(d);
}

/// A machine of `n` processes built from a fixture snapshot's, sampled every 5 s.
pub struct Machine {
    pub s: Snapshot,
    rng: Rng,
    // Boxed as a scan holds them: a clone is a process ready to go in.
    #[allow(clippy::vec_box)]
    templates: Vec<Box<ProcessSample>>,
    next_pid: u32,
    serial: u64,
}

impl Machine {
    pub fn new(base: &Snapshot, n: usize, seed: u64) -> Machine {
        let mut rng = Rng::new(seed);
        let templates = base.processes.ok().unwrap().processes.clone();
        let mut m = Machine {
            s: base.clone(),
            rng: Rng::new(seed ^ 0xabcdef),
            templates,
            next_pid: 300,
            serial: 0,
        };
        let procs: Vec<Box<ProcessSample>> = (0..n).map(|_| m.new_process(&mut rng)).collect();
        if let Part::Read(scan) = &mut m.s.processes {
            scan.processes = procs;
        }
        m
    }

    /// A process like one of the fixture's, with a new PID and command line and figures
    /// of its own.
    fn new_process(&mut self, rng: &mut Rng) -> Box<ProcessSample> {
        let mut p = self.templates[rng.below(self.templates.len() as u64) as usize].clone();
        self.next_pid += 1 + rng.below(20) as u32;
        self.serial += 1;
        p.pid = self.next_pid;
        let scale = |v: &mut Option<u64>, rng: &mut Rng| {
            if let Some(x) = v {
                *x = (*x / 4096) * (1 + rng.below(8)) / 2 * 4096 + 4096 * rng.below(64);
            }
        };
        let c = &mut p.status.counters;
        for v in [
            &mut c.vm_rss,
            &mut c.rss_anon,
            &mut c.rss_file,
            &mut c.vm_data,
            &mut c.vm_size,
            &mut c.vm_hwm,
            &mut c.vm_peak,
        ] {
            scale(v, rng);
        }
        if let Some(r) = &mut p.rollup {
            for v in [
                &mut r.rss,
                &mut r.pss,
                &mut r.pss_anon,
                &mut r.pss_file,
                &mut r.pss_dirty,
                &mut r.private_dirty,
                &mut r.private_clean,
                &mut r.shared_clean,
                &mut r.anonymous,
                &mut r.referenced,
            ] {
                scale(v, rng);
            }
        }
        if let Some(cmd) = &mut p.cmdline {
            *cmd = format!(
                "{cmd} --worker={} --seed={}",
                self.serial,
                rng.below(1 << 30)
            );
        }
        if let Some(st) = &mut p.stat {
            st.starttime += rng.below(1_000_000);
            st.minflt = rng.below(1_000_000);
            st.utime = rng.below(100_000);
            st.stime = rng.below(100_000);
        }
        p.oom_score = Some(rng.below(1000) as i64);
        p
    }

    /// The next sample, 5 s later: a few % of processes change their RSS and PSS a little,
    /// a few more use some CPU, the kernel's counters grow; `churn` of the processes exit
    /// and as many new ones start.
    pub fn step(&mut self, churn: f64) -> &Snapshot {
        let mut rng = Rng::new(self.rng.next());
        let s = &mut self.s;
        *s.meta.taken_at_ns.as_mut().unwrap() += 5 * SECOND;
        if let Part::Read(u) = &mut s.uptime {
            *u += 5.0 + rng.below(1000) as f64 / 1e6;
        }
        if let Part::Read(m) = &mut s.meminfo {
            for v in [
                &mut m.mem_free,
                &mut m.mem_available,
                &mut m.cached,
                &mut m.active_anon,
                &mut m.inactive_file,
                &mut m.anon_pages,
                &mut m.dirty,
                &mut m.slab,
                &mut m.s_unreclaim,
                &mut m.mapped,
            ] {
                let d = rng.pages(64);
                nudge(v, d);
            }
        }
        if let Part::Read(vm) = &mut s.vmstat {
            for (name, v) in &mut vm.0 {
                if name.starts_with("pg") && rng.chance(0.3) {
                    *v += rng.below(2000);
                } else if name.starts_with("nr_") && rng.chance(0.2) {
                    *v = v.saturating_add_signed(rng.pages(16) / 4096);
                }
            }
        }
        if let Part::Read(z) = &mut s.zoneinfo {
            for zone in &mut z.zones {
                nudge(&mut zone.free, rng.pages(32) / 4096);
                for (_, v) in &mut zone.stats.0 {
                    if rng.chance(0.1) {
                        *v = v.saturating_add_signed(rng.pages(16) / 4096);
                    }
                }
            }
        }
        if let Part::Read(b) = &mut s.buddyinfo {
            for zone in b {
                for v in &mut zone.free {
                    if rng.chance(0.2) {
                        nudge_u(v, rng.pages(4) / 4096);
                    }
                }
            }
        }
        if let Part::Read(slabs) = &mut s.slabinfo {
            for c in slabs {
                if rng.chance(0.08) {
                    nudge_u(&mut c.active_objs, rng.pages(2) / 4096 * 8);
                }
            }
        }
        if let Part::Read(Some(p)) = &mut s.pressure {
            if let Some(l) = &mut p.some {
                l.total += rng.below(3);
            }
        }
        if let Part::Read(trees) = &mut s.cgroups {
            for t in trees {
                for cg in &mut t.cgroups {
                    if rng.chance(0.3) {
                        nudge(&mut cg.current, rng.pages(64));
                        for (_, v) in &mut cg.stat.0 {
                            if rng.chance(0.1) {
                                nudge_u(v, rng.pages(8));
                            }
                        }
                    }
                }
            }
        }
        let Part::Read(scan) = &mut s.processes else {
            panic!("no processes")
        };
        let n = scan.processes.len();
        for p in &mut scan.processes {
            if rng.chance(0.03) {
                let d = rng.pages(8);
                let c = &mut p.status.counters;
                for v in [&mut c.vm_rss, &mut c.rss_anon, &mut c.vm_data] {
                    nudge(v, d);
                }
                if let Some(r) = &mut p.rollup {
                    for v in [
                        &mut r.rss,
                        &mut r.pss,
                        &mut r.pss_anon,
                        &mut r.pss_dirty,
                        &mut r.private_dirty,
                        &mut r.anonymous,
                        &mut r.referenced,
                    ] {
                        nudge(v, d);
                    }
                }
                if let Some(st) = &mut p.statm {
                    nudge_u(&mut st.resident, d);
                    nudge_u(&mut st.data, d);
                }
                if let Some(st) = &mut p.stat {
                    st.rss_pages = (st.rss_pages + d / 4096).max(0);
                    st.minflt += d.unsigned_abs() / 4096;
                }
            } else if rng.chance(0.05) {
                if let Some(st) = &mut p.stat {
                    st.utime += 1 + rng.below(5);
                    st.stime += rng.below(2);
                    st.minflt += rng.below(10);
                }
            }
        }
        let leaving = (0..n).filter(|_| rng.chance(churn)).count();
        for _ in 0..leaving {
            let i = rng.below(scan.processes.len() as u64) as usize;
            scan.processes.remove(i);
        }
        for _ in 0..leaving {
            // Borrowing: build with a template of our own.
            let mut r = Rng::new(rng.next());
            let p = {
                let mut p = self.templates[r.below(self.templates.len() as u64) as usize].clone();
                self.next_pid += 1 + r.below(20) as u32;
                self.serial += 1;
                p.pid = self.next_pid;
                if let Some(cmd) = &mut p.cmdline {
                    *cmd = format!("{cmd} --job={} --seed={}", self.serial, r.below(1 << 30));
                }
                if let Some(st) = &mut p.stat {
                    st.starttime += self.serial * 500;
                }
                p
            };
            scan.processes.push(p);
        }
        &self.s
    }
}

/// A scratch directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(what: &str) -> Scratch {
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "memlens-store-{what}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    /// The store directory inside it.
    pub fn db(&self) -> PathBuf {
        self.0.join("db")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The segment files of a store, oldest first.
pub fn segments(db: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(db)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mlh"))
        .collect();
    v.sort();
    v
}

/// Total bytes of a store's segments.
pub fn store_bytes(db: &Path) -> u64 {
    segments(db)
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum()
}
