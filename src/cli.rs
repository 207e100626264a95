//! What the user typed: the command line, parsed by clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "memlens",
    version,
    about = "Shows and explains where a Linux machine's memory goes",
    long_about = "Shows and explains where a Linux machine's memory goes.\n\nWithout a command, prints an overview: the system summary, the top processes by PSS and anything alarming."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command takes.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Read /proc, /sys and /etc under DIR (a `memlens capture` tree) instead of /. Given
    /// twice (earlier, then later capture), `vmstat` and `doctor` compute rates between them
    #[arg(long, global = true, value_name = "DIR", action = clap::ArgAction::Append)]
    pub root: Vec<PathBuf>,
    /// Print JSON (byte figures as integers in bytes)
    #[arg(long, global = true, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV (byte figures as integers in bytes)
    #[arg(long, global = true)]
    pub csv: bool,
    /// Print exact byte counts in tables
    #[arg(long, global = true, conflicts_with = "kib")]
    pub bytes: bool,
    /// Print exact KiB in tables
    #[arg(long, global = true)]
    pub kib: bool,
    /// Do not cut table lines to the terminal's width
    #[arg(long, global = true)]
    pub wide: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// System memory like `free -w`, broken down and explained
    Sys(SysArgs),
    /// One row per process: VSZ, RSS, PSS, USS, swap, anon/file/shmem
    Ps(PsArgs),
    /// One row per mapping of a process, like `pmap -X`
    Maps(MapsArgs),
    /// Copy every file memlens reads into DIR, for `--root DIR` later
    Capture(CaptureArgs),
    /// The memory cgroup tree: usage vs limits, memory.stat, events, pressure
    Cgroup(CgroupArgs),
    /// Memory rates per interval (faults, paging, swap, reclaim, PSI), like vmstat and sar -B
    Vmstat(VmstatArgs),
    /// Free pages of each zone against its min/low/high watermarks (zoneinfo)
    Zones,
    /// Free blocks per order and zone, largest block, fragmentation index (buddyinfo)
    Buddy(BuddyArgs),
    /// Kernel slab caches by size, like `slabtop -o` (root only)
    Slab(SlabArgs),
    /// Processes in the order the OOM killer would pick them, and OOM kills since boot
    Oom(OomArgs),
    /// vm.* and kernel.shm* sysctls: values, defaults, meanings, risky settings
    Tunables(TunablesArgs),
    /// Working-set size of a process: what it touches in an interval (clear_refs)
    Wss(WssArgs),
    /// Findings, most serious first, with evidence (exit 0 ok, 1 warning, 2 critical)
    Doctor(DoctorArgs),
    /// Huge pages: hugetlb pools and holders, THP mode and top users, KSM savings
    Huge(HugeArgs),
    /// SysV shared memory, semaphores and message queues, POSIX shm (/dev/shm), IPC limits
    Ipc,
    /// What a term means: meminfo and vmstat fields, RSS/PSS/USS, THP, KSM, PSI... (all without TERM)
    Explain(ExplainArgs),
    /// Classic memory experiments with known allocations (leak, cow, shared, tmpfs...)
    Lab(LabArgs),
}

#[derive(Args, Debug)]
pub struct CgroupArgs {
    /// Start at this cgroup (a path inside the hierarchy, e.g. /system.slice)
    pub path: Option<String>,
    /// Show at most this many levels below the start
    #[arg(long, value_name = "N")]
    pub depth: Option<u32>,
}

#[derive(Args, Debug)]
pub struct TunablesArgs {
    /// Explain one tunable (vm.swappiness, swappiness, nr_pdflush_threads...), including
    /// ones removed from modern kernels
    #[arg(long, value_name = "NAME")]
    pub explain: Option<String>,
    /// Add each tunable's meaning to the table
    #[arg(long)]
    pub all: bool,
}

#[derive(Args, Debug)]
pub struct WssArgs {
    /// The process
    pub pid: u32,
    /// How long to watch
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub interval: std::time::Duration,
}

#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// How long to sample rates (swap, faults, reclaim, OOM kills) on a live system
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    pub sample: std::time::Duration,
}

#[derive(Args, Debug)]
pub struct LabArgs {
    #[command(subcommand)]
    pub experiment: LabExperiment,
    /// Hold for this long once set up, then release and exit (default: until SIGTERM/SIGINT)
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_duration)]
    pub hold: Option<std::time::Duration>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedKindArg {
    File,
    Anon,
    Shm,
}

#[derive(Subcommand, Debug)]
pub enum LabExperiment {
    /// Allocate and touch SIZE, COUNT times, never free: RSS, USS and anon grow
    Leak {
        #[arg(long, default_value_t = 8)]
        count: u64,
        #[arg(long, default_value = "16M", value_parser = parse_size)]
        size: u64,
        /// Pause between blocks (e.g. 500ms, 2s)
        #[arg(long, default_value = "0s", value_parser = parse_duration)]
        interval: std::time::Duration,
    },
    /// The same, freeing each block before the next: RSS stays flat
    Noleak {
        #[arg(long, default_value_t = 8)]
        count: u64,
        #[arg(long, default_value = "16M", value_parser = parse_size)]
        size: u64,
        #[arg(long, default_value = "0s", value_parser = parse_duration)]
        interval: std::time::Duration,
    },
    /// mmap SIZE, COUNT times, without touching: VSZ grows, RSS does not
    Reserve {
        #[arg(long, default_value_t = 8)]
        count: u64,
        #[arg(long, default_value = "16M", value_parser = parse_size)]
        size: u64,
    },
    /// Touch SIZE, fork CHILDREN that write FRACTION of it: copy-on-write
    Cow {
        #[arg(long, default_value_t = 3)]
        children: u32,
        #[arg(long, default_value = "64M", value_parser = parse_size)]
        size: u64,
        /// Fraction of the region each child writes (0 to 1)
        #[arg(long, default_value_t = 0.0, value_parser = parse_fraction)]
        write: f64,
    },
    /// PROCS processes map the same SIZE: each one's PSS is SIZE/PROCS
    Shared {
        #[arg(long, default_value_t = 4)]
        procs: u32,
        #[arg(long, default_value = "64M", value_parser = parse_size)]
        size: u64,
        #[arg(long, value_enum, default_value = "anon")]
        kind: SharedKindArg,
    },
    /// Write a SIZE file to tmpfs: Shmem and page cache rise, no process RSS does
    Tmpfs {
        #[arg(long, default_value = "64M", value_parser = parse_size)]
        size: u64,
        #[arg(long, default_value = "/dev/shm")]
        dir: PathBuf,
    },
    /// madvise(MADV_HUGEPAGE) SIZE and touch it: AnonHugePages rises when THP allows
    Thp {
        #[arg(long, default_value = "64M", value_parser = parse_size)]
        size: u64,
    },
    /// Reserve SIZE (default: twice RAM plus swap) without touching, and report what the kernel said
    Overcommit {
        #[arg(long, value_parser = parse_size)]
        size: Option<u64>,
    },
    /// Touch SIZE, then keep touching FRACTION of it: a working set for `memlens wss`
    Wss {
        #[arg(long, default_value = "64M", value_parser = parse_size)]
        size: u64,
        /// Fraction of the region touched again and again (0 to 1)
        #[arg(long, default_value_t = 0.25, value_parser = parse_fraction)]
        fraction: f64,
        #[arg(long, default_value = "100ms", value_parser = parse_duration)]
        every: std::time::Duration,
    },
    /// COUNT one-page mappings that cannot merge: `maps` at scale
    Mappings {
        #[arg(long, default_value_t = 10000)]
        count: u64,
    },
    /// Write and read back a SIZE file: clean page cache rises; --drop drops it
    Pagecache {
        #[arg(long, default_value = "64M", value_parser = parse_size)]
        size: u64,
        /// Directory on a disk filesystem (not tmpfs)
        #[arg(long, default_value = "/var/tmp")]
        dir: PathBuf,
        /// Drop the file's pages with posix_fadvise(DONTNEED) after reading
        #[arg(long)]
        drop: bool,
    },
}

/// Whether a command line names the `doctor` command (its first word that is not an
/// option or an option's value), so that even its usage errors exit UNKNOWN (3).
pub fn names_doctor(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    let mut skip_value = false;
    for a in args.skip(1) {
        let a = a.to_string_lossy();
        if skip_value {
            skip_value = false;
            continue;
        }
        if a == "--root" {
            skip_value = true;
            continue;
        }
        if a.starts_with('-') {
            continue;
        }
        return a == "doctor";
    }
    false
}

/// A fraction from 0 to 1.
fn parse_fraction(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("not a fraction from 0 to 1: {s:?}")),
    }
}

fn parse_size(s: &str) -> Result<u64, String> {
    memlens_present::parse_size(s)
}

/// `500ms`, `2s`, `1.5s`, `3m`, `1h`; a bare number is seconds.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("not a duration: {s:?} (use e.g. 500ms, 2s, 1m)"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("unknown duration unit in {s:?} (use ms, s, m, h)")),
    };
    std::time::Duration::try_from_secs_f64(secs)
        .map_err(|_| format!("duration out of range: {s:?}"))
}

#[derive(Args, Debug)]
pub struct SysArgs {
    /// Add a one-line meaning to each row
    #[arg(long)]
    pub explain: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByArg {
    User,
    Command,
    Cgroup,
}

#[derive(Args, Debug)]
pub struct PsArgs {
    /// Sort by this column (byte columns largest first)
    #[arg(long, short = 's', default_value = "pss", value_parser = clap::builder::PossibleValuesParser::new(memlens_analysis::procs::SORT_KEYS))]
    pub sort: String,
    /// Reverse the sort order
    #[arg(long, short = 'r')]
    pub reverse: bool,
    /// Show at most N rows
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<usize>,
    /// Only these PIDs (repeat or separate with commas)
    #[arg(long, short = 'p', value_delimiter = ',', value_name = "PID")]
    pub pid: Vec<u32>,
    /// Only processes of this user (name or UID)
    #[arg(long, short = 'u', value_name = "USER")]
    pub user: Option<String>,
    /// Only processes whose command line matches this regular expression
    #[arg(long, short = 'c', value_name = "REGEX")]
    pub command: Option<String>,
    /// Group and sum by user, command name or memory cgroup (like `smem -u`)
    #[arg(long, value_enum)]
    pub by: Option<ByArg>,
    /// Add a totals row
    #[arg(long, short = 't')]
    pub totals: bool,
    /// Seconds one process may take to read before it is skipped as unreadable
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    pub timeout: f64,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapsBy {
    Kind,
    Path,
}

#[derive(Args, Debug)]
pub struct MapsArgs {
    /// The process
    pub pid: u32,
    /// Sum mappings by kind (heap, stack, anon, shmem, file, kernel) or by path
    #[arg(long, value_enum)]
    pub by: Option<MapsBy>,
    /// Seconds the read of smaps may take
    #[arg(long, default_value_t = 5.0, value_name = "SECS")]
    pub timeout: f64,
}

#[derive(Args, Debug)]
pub struct CaptureArgs {
    /// Directory to create (must not exist or be empty)
    pub dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct VmstatArgs {
    /// Time between rows (1, 0.5, 2s, 500ms); without it, one row since boot
    #[arg(value_parser = parse_duration)]
    pub interval: Option<std::time::Duration>,
    /// Number of rows, the since-boot row included (default: until interrupted)
    pub count: Option<u64>,
}

#[derive(Args, Debug)]
pub struct BuddyArgs {
    /// Add free blocks and page blocks per migrate type (pagetypeinfo; root only)
    #[arg(long)]
    pub types: bool,
}

#[derive(Args, Debug)]
pub struct SlabArgs {
    /// Show at most N caches (the totals still cover all)
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Args, Debug)]
pub struct OomArgs {
    /// Show at most N processes
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<usize>,
    /// Seconds one process may take to read before it is skipped as unreadable
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    pub timeout: f64,
}

#[derive(Args, Debug)]
pub struct HugeArgs {
    /// Show at most N processes in each list
    #[arg(long, short = 'n', value_name = "N", default_value_t = 10)]
    pub limit: usize,
    /// Seconds one process may take to read before it is skipped as unreadable
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    pub timeout: f64,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The term (case-insensitive), e.g. PSS, SReclaimable, pgmajfault, oom_adj
    pub term: Option<String>,
}
