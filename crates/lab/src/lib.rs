//! memlens lab: classic memory experiments with known allocations.
//!
//! Each experiment makes memory behave in one textbook way (a leak, copy-on-write,
//! shared pages, tmpfs, page cache, overcommit...), reports what it did (its PID, the
//! addresses of its regions, the figures it expects), then holds until `--hold` ends or it
//! gets SIGTERM/SIGINT, releases everything and returns. memlens's tests run these and
//! check memlens's figures against what the experiment knows it did.

pub mod hold;
pub mod region;

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::time::Duration;

use memlens_sources::{meminfo, procs, Root};
use serde::Serialize;

use hold::Children;
use region::{Region, SysvShm};

/// A lab failure: one line for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabError(pub String);

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LabError {}

/// What `shared` shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedKind {
    /// A file mapped MAP_SHARED.
    File,
    /// MAP_SHARED|MAP_ANONYMOUS memory inherited across fork.
    Anon,
    /// A SysV shared memory segment.
    Shm,
}

/// An experiment and its parameters (sizes in bytes).
#[derive(Debug, Clone)]
pub enum Experiment {
    Leak {
        count: u64,
        size: u64,
        interval: Duration,
        /// Set RLIMIT_AS to this first and allocate until the kernel refuses (`count`
        /// then is no bound).
        limit_as: Option<u64>,
    },
    NoLeak {
        count: u64,
        size: u64,
        interval: Duration,
    },
    Reserve {
        count: u64,
        size: u64,
        interval: Duration,
    },
    /// CYCLES times: allocate PEAK in STEPS blocks one INTERVAL apart, then free them all;
    /// each cycle also keeps BASE bytes for good (0: a flat sawtooth, no leak).
    Sawtooth {
        peak: u64,
        steps: u64,
        base: u64,
        cycles: u64,
        interval: Duration,
    },
    Cow {
        children: u32,
        size: u64,
        write: f64,
    },
    Shared {
        procs: u32,
        size: u64,
        kind: SharedKind,
    },
    Tmpfs {
        size: u64,
        dir: PathBuf,
    },
    Thp {
        size: u64,
    },
    Overcommit {
        size: u64,
    },
    PageCache {
        size: u64,
        dir: PathBuf,
        drop: bool,
        /// Non-zero: map the file and read it in STEPS chunks this far apart, so the
        /// process's file-backed RSS grows (and nothing else does).
        interval: Duration,
        steps: u64,
    },
    /// Touch SIZE once, then keep re-touching FRACTION of it every EVERY: a working set
    /// smaller than the resident set (for `memlens wss`).
    Wss {
        size: u64,
        fraction: f64,
        every: Duration,
    },
    /// COUNT separate one-page mappings (alternating protections keep the kernel from
    /// merging them): for `maps` at scale.
    Mappings {
        count: u64,
    },
}

impl Experiment {
    pub fn name(&self) -> &'static str {
        match self {
            Experiment::Leak { .. } => "leak",
            Experiment::NoLeak { .. } => "noleak",
            Experiment::Reserve { .. } => "reserve",
            Experiment::Sawtooth { .. } => "sawtooth",
            Experiment::Cow { .. } => "cow",
            Experiment::Shared { .. } => "shared",
            Experiment::Tmpfs { .. } => "tmpfs",
            Experiment::Thp { .. } => "thp",
            Experiment::Overcommit { .. } => "overcommit",
            Experiment::PageCache { .. } => "pagecache",
            Experiment::Mappings { .. } => "mappings",
            Experiment::Wss { .. } => "wss",
        }
    }

    /// Bytes the experiment will make resident at once (0 for reserve and overcommit).
    pub fn resident_need(&self) -> u64 {
        match *self {
            Experiment::Leak {
                limit_as: Some(l), ..
            } => l,
            Experiment::Leak { count, size, .. } => count.saturating_mul(size),
            Experiment::NoLeak { size, .. } => size,
            Experiment::Sawtooth {
                peak, base, cycles, ..
            } => peak.saturating_add(base.saturating_mul(cycles)),
            Experiment::Reserve { .. } | Experiment::Overcommit { .. } => 0,
            Experiment::Mappings { count } => count.saturating_mul(page() as u64),
            Experiment::Cow {
                children,
                size,
                write,
            } => size.saturating_add((size as f64 * write) as u64 * children as u64),
            Experiment::Shared { size, .. }
            | Experiment::Tmpfs { size, .. }
            | Experiment::Thp { size }
            | Experiment::Wss { size, .. }
            | Experiment::PageCache { size, .. } => size,
        }
    }
}

/// A region an experiment made, so tests and users can find it in `memlens maps`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RegionInfo {
    /// Start address, hex.
    pub start: String,
    pub size: u64,
}

/// What an experiment did, printed once it is ready.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    pub experiment: &'static str,
    pub pid: u32,
    pub children: Vec<u32>,
    /// Bytes mapped in all (sum of the regions, or of all blocks for noleak).
    pub allocated: u64,
    /// Bytes written or read page by page, so made resident.
    pub touched: u64,
    pub regions: Vec<RegionInfo>,
    /// What the reader should see, and why.
    pub expect: Vec<String>,
    /// Experiment-specific figures (meminfo before/after, paths, modes...).
    pub figures: BTreeMap<String, serde_json::Value>,
}

/// What an experiment says while it runs.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// One block of a `leak`/`noleak` with an interval.
    Block {
        index: u64,
        allocated: u64,
        resident: u64,
    },
    /// Set up and holding.
    Ready(Report),
    /// Released everything.
    Released { experiment: &'static str, pid: u32 },
}

/// How long to hold once ready (`None`: until SIGTERM/SIGINT).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub hold: Option<Duration>,
}

fn page() -> usize {
    memlens_sources::root::live_page_size() as usize
}

fn hex(a: usize) -> String {
    format!("{a:x}")
}

fn meminfo_now() -> Result<memlens_model::MemInfo, LabError> {
    meminfo::read(&Root::live()).map_err(|e| LabError(e.to_string()))
}

/// Refuses experiments that would not fit in memory (reserve and overcommit never touch).
pub fn check_fits(exp: &Experiment) -> Result<(), LabError> {
    let need = exp.resident_need();
    if need == 0 {
        return Ok(());
    }
    let mi = meminfo_now()?;
    let avail = mi.mem_available.or(mi.mem_free).unwrap_or(0);
    if need > avail {
        return Err(LabError(format!(
            "{} needs {} MiB resident but only {} MiB is available (MemAvailable); refusing",
            exp.name(),
            need >> 20,
            avail >> 20
        )));
    }
    Ok(())
}

/// Runs an experiment: sets it up, reports, holds, releases.
/// Between two blocks of a paced experiment (`--interval`): says the block, then waits;
/// false when told to stop meanwhile. Unpaced (an interval of 0), it says nothing and goes on.
fn pace(emit: &mut dyn FnMut(&Event), interval: Duration, block: &Event) -> bool {
    if interval.is_zero() {
        return true;
    }
    emit(block);
    hold::sleep(interval)
}

pub fn run(exp: &Experiment, opts: &Options, emit: &mut dyn FnMut(&Event)) -> Result<(), LabError> {
    check_fits(exp)?;
    hold::install_handlers()?;
    let pid = std::process::id();
    let pg = page();
    let mut report = Report {
        experiment: exp.name(),
        pid,
        ..Default::default()
    };
    // Everything held lives in these until the end of the function.
    let mut regions: Vec<Region> = Vec::new();
    let mut children = Children::default();
    let mut shm: Option<SysvShm> = None;
    let mut files: Vec<(PathBuf, File)> = Vec::new();
    let mut mappings: Option<region::Mappings> = None;
    let mut fig = |k: &str, v: serde_json::Value| {
        report.figures.insert(k.to_string(), v);
    };
    match *exp {
        Experiment::Leak {
            size,
            interval,
            limit_as: Some(limit),
            ..
        } => {
            let (_, hard) = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_AS)
                .map_err(|e| LabError(format!("getrlimit(RLIMIT_AS): {e}")))?;
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_AS, limit, hard)
                .map_err(|e| LabError(format!("setrlimit(RLIMIT_AS, {limit}): {e}")))?;
            let mut i = 0u64;
            let refusal = loop {
                match Region::anon(size, false) {
                    Ok(r) => {
                        r.write_pages(r.size(), 1, pg);
                        regions.push(r);
                    }
                    Err(e) => break e,
                }
                let block = Event::Block {
                    index: i,
                    allocated: (i + 1) * size,
                    resident: (i + 1) * size,
                };
                i += 1;
                if !pace(emit, interval, &block) {
                    break LabError("stopped before the limit".into());
                }
            };
            let vsz = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|t| {
                    t.lines()
                        .find_map(|l| l.strip_prefix("VmSize:"))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                })
                .map(|kb| kb * 1024);
            fig("limit_as", limit.into());
            fig(
                "allocated_before_refusal",
                (regions.len() as u64 * size).into(),
            );
            fig("vsz_at_refusal", vsz.into());
            fig("refused_block", size.into());
            fig("error", refusal.0.clone().into());
            report.expect = vec![
                format!("with RLIMIT_AS at {} MiB, mmap of a {} MiB block fails with ENOMEM once VSZ plus the block would pass the limit: {} MiB were allocated first", limit >> 20, size >> 20, (regions.len() as u64 * size) >> 20),
                "the process gets a clean error and goes on: the limit bounds address space (VSZ), not RSS".into(),
            ];
        }
        Experiment::Leak {
            count,
            size,
            interval,
            limit_as: None,
        } => {
            for i in 0..count {
                let r = Region::anon(size, false)?;
                r.write_pages(r.size(), 1, pg);
                regions.push(r);
                let block = Event::Block {
                    index: i,
                    allocated: (i + 1) * size,
                    resident: (i + 1) * size,
                };
                if !pace(emit, interval, &block) {
                    break;
                }
            }
            report.expect = vec![
                format!("RSS, USS and anon are {} MiB higher than an idle process: every block was touched and none freed", (regions.len() as u64 * size) >> 20),
                "VSZ grows by the same amount: touched memory is also reserved".into(),
            ];
        }
        Experiment::NoLeak {
            count,
            size,
            interval,
        } => {
            for i in 0..count {
                let r = Region::anon(size, false)?;
                r.write_pages(r.size(), 1, pg);
                drop(r);
                let block = Event::Block {
                    index: i,
                    allocated: (i + 1) * size,
                    resident: 0,
                };
                if !pace(emit, interval, &block) {
                    break;
                }
            }
            fig("allocated_and_freed", (count * size).into());
            report.expect = vec![format!(
                "{} MiB were allocated, touched and freed one block at a time: RSS stays flat",
                (count * size) >> 20
            )];
        }
        Experiment::Sawtooth {
            peak,
            steps,
            base,
            cycles,
            interval,
        } => {
            let steps = steps.max(1);
            let block = (peak / steps).max(pg as u64);
            let mut kept = Vec::new();
            let mut index = 0;
            'cycles: for _ in 0..cycles {
                if base > 0 {
                    let r = Region::anon(base, false)?;
                    r.write_pages(r.size(), 1, pg);
                    kept.push(r);
                }
                let mut wave = Vec::new();
                for _ in 0..steps {
                    let r = Region::anon(block, false)?;
                    r.write_pages(r.size(), 1, pg);
                    wave.push(r);
                    emit(&Event::Block {
                        index,
                        allocated: kept.len() as u64 * base + wave.len() as u64 * block,
                        resident: kept.len() as u64 * base + wave.len() as u64 * block,
                    });
                    index += 1;
                    if !hold::sleep(interval) {
                        break 'cycles;
                    }
                }
                drop(wave);
            }
            fig("kept", (kept.len() as u64 * base).into());
            report.expect = vec![
                format!("RSS and anon rise by {} MiB in {steps} steps, then fall back, {cycles} times: allocated and freed (a sawtooth)", (block * steps) >> 20),
                if base > 0 {
                    format!("under the teeth, {} MiB a cycle is kept: the floor rises, a slow leak under the sawtooth", base >> 20)
                } else {
                    "nothing is kept: the floor stays flat, no leak".into()
                },
            ];
            report.allocated = kept.len() as u64 * base;
            regions = kept;
        }
        Experiment::Reserve {
            count,
            size,
            interval,
        } => {
            for i in 0..count {
                regions.push(Region::anon(size, false)?);
                let block = Event::Block {
                    index: i,
                    allocated: (i + 1) * size,
                    resident: 0,
                };
                if !pace(emit, interval, &block) {
                    break;
                }
            }
            report.expect = vec![
                format!("VSZ is {} MiB higher, RSS is not: mmap reserves address space, pages come only when touched (demand paging)", (count * size) >> 20),
                "Committed_AS rises by the same amount: private writable memory is promised even if never used".into(),
            ];
        }
        Experiment::Cow {
            children: k,
            size,
            write,
        } => {
            let written = fraction_bytes(size, write, pg, "--write")?;
            let r = Region::anon(size, false)?;
            r.write_pages(r.size(), 1, pg);
            for _ in 0..k {
                let (start, len) = (r.start(), written);
                children.spawn(move || {
                    // SAFETY: the child inherited the parent's private mapping.
                    unsafe { region::write_pages(start, len, 2, pg) }
                })?;
            }
            fig("written_per_child", (written as u64).into());
            report.expect = vec![
                format!("the {} MiB region is shared copy-on-write by {} processes: each one's PSS of it is about {} MiB", size >> 20, k + 1,
                    ((size - written as u64) / (k as u64 + 1) + written as u64) >> 20),
                format!("each child wrote {} MiB and so owns a private copy of it: that is its USS in the region", written >> 20),
            ];
            regions.push(r);
        }
        Experiment::Shared {
            procs: k,
            size,
            kind,
        } => {
            if k == 0 {
                return Err(LabError("--procs must be at least 1".into()));
            }
            let (start, kind_name) = match kind {
                SharedKind::Anon => {
                    let r = Region::anon(size, true)?;
                    r.write_pages(r.size(), 1, pg);
                    let s = r.start();
                    regions.push(r);
                    (s, "anon")
                }
                SharedKind::File => {
                    let dir = std::env::temp_dir();
                    let (path, f) = write_file(&dir, "shared", size)?;
                    let r = Region::file_shared(&f, size)?;
                    r.read_pages(pg);
                    let s = r.start();
                    regions.push(r);
                    fig("path", path.display().to_string().into());
                    files.push((path, f));
                    (s, "file")
                }
                SharedKind::Shm => {
                    let seg = SysvShm::new(size)?;
                    seg.write_pages(1, pg);
                    let s = seg.start();
                    fig("shmid", seg.id().into());
                    shm = Some(seg);
                    (s, "shm")
                }
            };
            let len = size as usize;
            for _ in 1..k {
                children.spawn(move || {
                    // SAFETY: the child inherited the shared mapping at start..start+len.
                    unsafe { region::read_pages(start, len, pg) };
                })?;
            }
            if let Some(seg) = &shm {
                // Every process is attached: mark for removal so it cannot outlive them.
                seg.remove();
            }
            if kind == SharedKind::File {
                // Mapped everywhere: unlink so it cannot outlive them (path shows "(deleted)").
                for (p, _) in &files {
                    let _ = fs::remove_file(p);
                }
            }
            fig("kind", kind_name.into());
            if kind != SharedKind::Anon {
                report.regions.push(RegionInfo {
                    start: hex(start),
                    size,
                });
            }
            report.expect = vec![
                format!("{k} processes map the same {} MiB ({kind_name}): each one's RSS counts all of it, each one's PSS about {} MiB (SIZE/{k})", size >> 20, (size / k as u64) >> 20),
            ];
        }
        Experiment::Tmpfs { size, ref dir } => {
            let before = meminfo_now()?;
            let (path, f) = write_file(dir, "tmpfs", size)?;
            let after = meminfo_now()?;
            fig("path", path.display().to_string().into());
            fig("shmem_before", before.shmem.into());
            fig("shmem_after", after.shmem.into());
            fig("cached_before", before.cached.into());
            fig("cached_after", after.cached.into());
            files.push((path, f));
            report.touched = size;
            report.expect = vec![
                format!("Shmem and Cached rise by {} MiB while no process's RSS does: tmpfs files live in page cache as shmem", size >> 20),
                "it cannot be dropped like ordinary page cache, only swapped; deleting the file frees it".into(),
            ];
        }
        Experiment::Thp { size } => {
            let hp = 2u64 << 20;
            let size = size.div_ceil(hp) * hp;
            let r = Region::anon_aligned(size, hp)?;
            r.advise_hugepage()?;
            r.write_pages(r.size(), 1, pg);
            let maps = procs::read_smaps(&Root::live(), pid, Duration::from_secs(5))
                .map_err(|e| LabError(e.to_string()))?;
            let (s, e) = (r.start() as u64, (r.start() + r.size()) as u64);
            let huge: u64 = maps
                .iter()
                .filter(|m| m.start < e && m.end > s)
                .filter_map(|m| m.counters.anon_huge_pages)
                .sum();
            let thp =
                memlens_sources::transparent_hugepage::read(&Root::live()).unwrap_or_default();
            fig("thp_enabled", thp.enabled.map(|c| c.selected).into());
            fig("anon_huge_pages", huge.into());
            report.regions.push(RegionInfo {
                start: hex(r.start()),
                size,
            });
            report.allocated = size;
            report.touched = size;
            report.expect = vec![
                format!("with THP 'always' or 'madvise', AnonHugePages of the region rises towards {} MiB (here {} MiB)", size >> 20, huge >> 20),
                "with 'never', or when no 2 MiB block is free (fragmentation), it stays 0 and the memory is in 4 KiB pages".into(),
            ];
            regions.push(r);
        }
        Experiment::Overcommit { size } => {
            let before = meminfo_now()?;
            let mode = Root::live()
                .read_int("proc/sys/vm/overcommit_memory")
                .ok()
                .flatten();
            let res = Region::anon(size, false);
            let after = meminfo_now()?;
            fig("overcommit_memory", mode.into());
            fig("commit_limit", before.commit_limit.into());
            fig("committed_as_before", before.committed_as.into());
            fig("committed_as_after", after.committed_as.into());
            fig("mem_total", before.mem_total.into());
            match res {
                Ok(r) => {
                    fig("refused", false.into());
                    report.expect = vec![
                        format!("the kernel granted {} MiB that were never touched: VSZ and Committed_AS rise, RSS does not", size >> 20),
                        "touching it all would need real memory; under overcommit the OOM killer settles that later".into(),
                    ];
                    regions.push(r);
                }
                Err(e) => {
                    fig("refused", true.into());
                    fig("error", e.0.into());
                    report.expect = vec![format!(
                        "the kernel refused {} MiB: with vm.overcommit_memory=2 past CommitLimit, or with 0 when one request exceeds RAM + swap",
                        size >> 20
                    )];
                }
            }
        }
        Experiment::Wss {
            size,
            fraction,
            every: _,
        } => {
            let hot = fraction_bytes(size, fraction, pg, "--fraction")?;
            let r = Region::anon(size, false)?;
            r.write_pages(r.size(), 1, pg);
            fig("working_set", (hot as u64).into());
            report.expect = vec![
                format!("RSS holds all {} MiB, but only the first {} MiB are touched again and again: that is the working set", size >> 20, hot >> 20),
                format!("`memlens wss {pid} --interval 2s` should report about {} MiB referenced in the region", hot >> 20),
            ];
            regions.push(r);
        }
        Experiment::Mappings { count } => {
            let limit = Root::live()
                .read_int("proc/sys/vm/max_map_count")
                .ok()
                .flatten()
                .unwrap_or(65530) as u64;
            if count + 1000 > limit {
                return Err(LabError(format!(
                    "{count} mappings need vm.max_map_count above {} (now {limit}); as root: sysctl -w vm.max_map_count={}",
                    count + 1000,
                    (count + 1000).next_power_of_two()
                )));
            }
        }
        Experiment::PageCache {
            size,
            ref dir,
            interval,
            steps,
            ..
        } if !interval.is_zero() => {
            let (path, f) = write_file(dir, "pagecache", size)?;
            f.sync_all().map_err(|e| LabError(format!("fsync: {e}")))?;
            let r = Region::file_shared(&f, size)?;
            let steps = steps.max(1);
            let chunk = (r.size() / steps as usize).div_ceil(pg) * pg;
            let mut done = 0;
            for i in 0..steps {
                let len = chunk.min(r.size() - done);
                // SAFETY: within the mapping this experiment made, readable.
                unsafe { region::read_pages(r.start() + done, len, pg) };
                done += len;
                emit(&Event::Block {
                    index: i,
                    allocated: r.size() as u64,
                    resident: done as u64,
                });
                if !hold::sleep(interval) {
                    break;
                }
            }
            fig("path", path.display().to_string().into());
            files.push((path, f));
            regions.push(r);
            report.touched = done as u64;
            report.expect = vec![
                format!("the process maps a {} MiB file and reads it a chunk at a time: RssFile grows to {} MiB, anon does not", size >> 20, done >> 20),
                "these are clean page-cache pages: the kernel can drop them under pressure, so growth here is no leak".into(),
            ];
        }
        Experiment::PageCache {
            size,
            ref dir,
            drop: drop_it,
            ..
        } => {
            let before = meminfo_now()?;
            let (path, mut f) = write_file(dir, "pagecache", size)?;
            f.sync_all().map_err(|e| LabError(format!("fsync: {e}")))?;
            let mut buf = vec![0u8; 1 << 20];
            use std::io::Seek;
            f.seek(std::io::SeekFrom::Start(0))
                .map_err(|e| LabError(e.to_string()))?;
            while f.read(&mut buf).map_err(|e| LabError(e.to_string()))? > 0 {}
            let after = meminfo_now()?;
            fig("path", path.display().to_string().into());
            fig("cached_before", before.cached.into());
            fig("cached_after", after.cached.into());
            if drop_it {
                nix::fcntl::posix_fadvise(
                    &f,
                    0,
                    0,
                    nix::fcntl::PosixFadviseAdvice::POSIX_FADV_DONTNEED,
                )
                .map_err(|e| LabError(format!("posix_fadvise: {e}")))?;
                fig("cached_after_drop", meminfo_now()?.cached.into());
            }
            files.push((path, f));
            report.touched = size;
            report.expect = vec![
                format!("Cached rises by about {} MiB of clean file pages that belong to no process", size >> 20),
                "they count as buff/cache and in MemAvailable: the kernel drops them when memory is needed".into(),
                if drop_it {
                    "posix_fadvise(DONTNEED) then drops them at once: Cached falls back".into()
                } else {
                    "run with --drop to see posix_fadvise(DONTNEED) drop them".into()
                },
            ];
        }
    }
    if let Experiment::Mappings { count } = *exp {
        let many = region::Mappings::new(count as usize, pg)?;
        report.regions.push(RegionInfo {
            start: hex(many.start()),
            size: (many.len() * pg) as u64,
        });
        report.touched = (count as usize * pg) as u64;
        fig("mappings", count.into());
        report.expect = vec![format!(
            "{count} one-page mappings in a row, alternating r-- and rw- so none merge: `memlens maps {pid}` lists each"
        )];
        mappings = Some(many);
    }
    if report.regions.is_empty() {
        report.regions = regions
            .iter()
            .map(|r| RegionInfo {
                start: hex(r.start()),
                size: r.size() as u64,
            })
            .collect();
    }
    if report.allocated == 0 {
        report.allocated = report.regions.iter().map(|r| r.size).sum();
    }
    if report.touched == 0 {
        report.touched = match exp {
            Experiment::Reserve { .. } | Experiment::Overcommit { .. } => 0,
            Experiment::NoLeak { .. } => 0,
            _ => report.allocated,
        };
    }
    report.children = children.pids();
    emit(&Event::Ready(report));
    if let Experiment::Wss {
        size,
        fraction,
        every,
    } = *exp
    {
        let hot = fraction_bytes(size, fraction, pg, "--fraction")?;
        let end = opts.hold.map(|h| std::time::Instant::now() + h);
        while !hold::stopped() && end.is_none_or(|e| std::time::Instant::now() < e) {
            regions[0].write_pages(hot, 3, pg);
            hold::sleep(every);
        }
    }
    hold::hold(opts.hold);
    drop(children);
    drop(regions);
    drop(shm);
    drop(mappings);
    for (p, f) in files {
        drop(f);
        let _ = fs::remove_file(p);
    }
    emit(&Event::Released {
        experiment: exp.name(),
        pid,
    });
    Ok(())
}

/// `fraction` (0 to 1, named `flag` in the error) of `size`, rounded down to whole pages.
fn fraction_bytes(size: u64, fraction: f64, page: usize, flag: &str) -> Result<usize, LabError> {
    if !(0.0..=1.0).contains(&fraction) {
        return Err(LabError(format!(
            "{flag} must be between 0 and 1, not {fraction}"
        )));
    }
    Ok(((size as f64 * fraction) as usize) / page * page)
}

/// Writes `size` bytes of non-zero data to a new file in `dir`, kept open.
fn write_file(dir: &std::path::Path, tag: &str, size: u64) -> Result<(PathBuf, File), LabError> {
    let path = dir.join(format!("memlens-lab-{tag}-{}", std::process::id()));
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| LabError(format!("{}: {e}", path.display())))?;
    let chunk = vec![0x5au8; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        if let Err(e) = f.write_all(&chunk[..n]) {
            let _ = fs::remove_file(&path);
            return Err(LabError(format!("{}: {e}", path.display())));
        }
        left -= n as u64;
    }
    Ok((path, f))
}
