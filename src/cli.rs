//! What the user typed: the command line, parsed by clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "memlens",
    version,
    about = "Shows and explains where a Linux machine's memory goes",
    long_about = "Shows and explains where a Linux machine's memory goes.\n\nWithout a command, prints an overview: the system summary, the top processes by PSS and anything alarming.",
    after_help = EXIT_STATUS
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The exit statuses, for `--help` (src/failure.rs has the same table).
const EXIT_STATUS: &str = "Exit status:
  0  success
  1  a file could not be read or parsed, or the process asked for does not exist
  2  usage: the arguments are wrong
  3  refused: a valid request this machine or user cannot serve (needs root, a live machine...)
`memlens doctor` exits as a monitoring plugin: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
(it could not read the machine, or was misused).";

/// The exit statuses of `memlens doctor`.
const DOCTOR_EXIT_STATUS: &str = "Exit status (monitoring-plugins convention):
  0  OK: no warning or critical finding
  1  WARNING: at least one warning, no critical finding
  2  CRITICAL: at least one critical finding
  3  UNKNOWN: it could not judge the machine (a file could not be read, wrong arguments)";

const WATCH_EXIT_STATUS: &str =
    "Verdicts: leak (steady growth), plateau (grew, then flat), sawtooth (allocates and frees),
stable, cache (only file-backed pages grew), virtual (VSZ grew, resident memory did not),
unknown (too few samples).
Exit status:
  0  watched to the end (or until Ctrl-C, or until every process exited)
  1  a file could not be read; 2 usage error; 3 refused (not a live machine, denied)
  4  --alert: a leak faster than RATE was found";

/// The heading the options below are listed under in `--help`.
const GLOBAL: &str = "Global options";

/// Options every command that reads the machine takes, before or after its name.
#[derive(Args, Debug, Clone, Default)]
pub struct Global {
    /// Read a capture instead of /: a tree (`memlens capture DIR`) or a snapshot file
    /// (`memlens capture --file FILE`). Given twice (earlier, then later capture), `vmstat`,
    /// `doctor` and `ps` compute rates between them
    #[arg(long, value_name = "DIR|FILE", action = clap::ArgAction::Append, help_heading = GLOBAL)]
    pub root: Vec<PathBuf>,
    /// Print JSON (byte figures as integers in bytes)
    #[arg(long, help_heading = GLOBAL)]
    pub json: bool,
    /// Print CSV with the JSON's keys (byte figures as integers in bytes)
    #[arg(long, help_heading = GLOBAL)]
    pub csv: bool,
    /// Print exact byte counts in tables (headers say "(B)")
    #[arg(long, help_heading = GLOBAL)]
    pub bytes: bool,
    /// Print exact KiB in tables (headers say "(KiB)")
    #[arg(long, help_heading = GLOBAL)]
    pub kib: bool,
    /// Do not fit table lines to the width (COLUMNS, else the terminal's)
    #[arg(long, help_heading = GLOBAL)]
    pub wide: bool,
    /// Show what it showed at TIME, from the history `memlens record` keeps (RFC 3339,
    /// local HH:MM[:SS], or -90m): the nearest sample at or before it
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, help_heading = GLOBAL)]
    pub at: Option<String>,
    /// The history store for --at (default: /var/lib/memlens as root, else
    /// ~/.local/share/memlens)
    #[arg(long, value_name = "DIR", help_heading = GLOBAL)]
    pub db: Option<PathBuf>,
}

/// The output options of `memlens explain` (it reads nothing, so no --root; it prints
/// no byte figures, so no --bytes/--kib).
#[derive(Args, Debug, Clone, Default)]
pub struct ExplainOptions {
    /// Print JSON
    #[arg(long, help_heading = GLOBAL)]
    pub json: bool,
    /// Print CSV with the JSON's keys
    #[arg(long, help_heading = GLOBAL)]
    pub csv: bool,
    /// Do not fit table lines to the width (COLUMNS, else the terminal's)
    #[arg(long, help_heading = GLOBAL)]
    pub wide: bool,
}

/// Names of the options of [`Global`], as typed.
const ALL_OPTIONS: &[&str] = &[
    "--root", "--json", "--csv", "--bytes", "--kib", "--wide", "--at", "--db",
];

impl Global {
    /// The options given, by name.
    fn given(&self) -> Vec<&'static str> {
        let flags = [
            !self.root.is_empty(),
            self.json,
            self.csv,
            self.bytes,
            self.kib,
            self.wide,
            self.at.is_some(),
            self.db.is_some(),
        ];
        ALL_OPTIONS
            .iter()
            .zip(flags)
            .filter(|(_, on)| *on)
            .map(|(n, _)| *n)
            .collect()
    }

    fn merge(&mut self, o: &Global) {
        self.root.extend(o.root.iter().cloned());
        self.json |= o.json;
        self.csv |= o.csv;
        self.bytes |= o.bytes;
        self.kib |= o.kib;
        self.wide |= o.wide;
        if o.at.is_some() {
            self.at.clone_from(&o.at);
        }
        if o.db.is_some() {
            self.db.clone_from(&o.db);
        }
    }
}

impl Cli {
    /// The options in force: those before the command's name and those after it, less
    /// the ones the command cannot use (a usage error) and pairs that exclude each other.
    pub fn options(&self) -> Result<Global, String> {
        let (sub, allowed): (Global, &[&str]) = match &self.command {
            None => (Global::default(), ALL_OPTIONS),
            Some(Command::Explain(a)) => (
                Global {
                    json: a.options.json,
                    csv: a.options.csv,
                    wide: a.options.wide,
                    ..Default::default()
                },
                &["--json", "--csv", "--wide"],
            ),
            Some(Command::Lab(a)) => (
                Global {
                    json: a.json,
                    ..Default::default()
                },
                &["--json"],
            ),
            Some(Command::Capture(a)) => (
                Global {
                    root: a.root.clone(),
                    ..Default::default()
                },
                &["--root"],
            ),
            Some(Command::Completions(_) | Command::Man(_)) => (Global::default(), &[]),
            Some(Command::Record(a)) => (
                Global {
                    root: a.root.clone(),
                    ..Default::default()
                },
                &["--root"],
            ),
            Some(Command::Serve(a)) => (
                Global {
                    root: a.root.iter().cloned().collect(),
                    ..Default::default()
                },
                &["--root"],
            ),
            Some(Command::Top(a)) => (a.global.clone(), &["--root", "--at", "--db"]),
            Some(Command::History(a)) => (
                a.global.clone(),
                &["--json", "--csv", "--bytes", "--kib", "--wide", "--db"],
            ),
            Some(Command::Report(a)) => (a.global.clone(), &["--root", "--db"]),
            Some(c) => (c.global().cloned().unwrap_or_default(), ALL_OPTIONS),
        };
        let name = self.command.as_ref().map(Command::name).unwrap_or("");
        // Before or after the command's name.
        let mut given = self.global.given();
        given.extend(sub.given());
        if let Some(bad) = given.iter().find(|o| !allowed.contains(o)) {
            return Err(if allowed.is_empty() {
                format!("{bad} does not apply to `memlens {name}` (it takes none of the global options)")
            } else {
                format!(
                    "{bad} does not apply to `memlens {name}` (it takes {})",
                    allowed.join(", ")
                )
            });
        }
        let mut g = self.global.clone();
        g.merge(&sub);
        if g.json && g.csv {
            return Err("--json and --csv exclude each other: give one".into());
        }
        if g.bytes && g.kib {
            return Err("--bytes and --kib exclude each other: give one".into());
        }
        Ok(g)
    }
}

impl Command {
    /// The command's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Sys(_) => "sys",
            Command::Ps(_) => "ps",
            Command::Maps(_) => "maps",
            Command::Capture(_) => "capture",
            Command::Cgroup(_) => "cgroup",
            Command::Vmstat(_) => "vmstat",
            Command::Zones(_) => "zones",
            Command::Buddy(_) => "buddy",
            Command::Slab(_) => "slab",
            Command::Oom(_) => "oom",
            Command::Tunables(_) => "tunables",
            Command::Wss(_) => "wss",
            Command::Watch(_) => "watch",
            Command::Top(_) => "top",
            Command::Record(_) => "record",
            Command::History(_) => "history",
            Command::Report(_) => "report",
            Command::Metrics(_) => "metrics",
            Command::Serve(_) => "serve",
            Command::Doctor(_) => "doctor",
            Command::Huge(_) => "huge",
            Command::Ipc(_) => "ipc",
            Command::Where(_) => "where",
            Command::Swap(_) => "swap",
            Command::Cache(_) => "cache",
            Command::Explain(_) => "explain",
            Command::Lab(_) => "lab",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
        }
    }

    /// The global options given after the name of a command that reads the machine.
    fn global(&self) -> Option<&Global> {
        Some(match self {
            Command::Sys(a) => &a.global,
            Command::Ps(a) => &a.global,
            Command::Maps(a) => &a.global,
            Command::Cgroup(a) => &a.global,
            Command::Vmstat(a) => &a.global,
            Command::Zones(a) => &a.global,
            Command::Buddy(a) => &a.global,
            Command::Slab(a) => &a.global,
            Command::Oom(a) => &a.global,
            Command::Tunables(a) => &a.global,
            Command::Wss(a) => &a.global,
            Command::Watch(a) => &a.global,
            Command::Top(a) => &a.global,
            Command::History(a) => &a.global,
            Command::Report(a) => &a.global,
            Command::Metrics(a) => &a.global,
            Command::Doctor(a) => &a.global,
            Command::Huge(a) => &a.global,
            Command::Ipc(a) => &a.global,
            Command::Where(a) => &a.global,
            Command::Swap(a) => &a.global,
            Command::Cache(a) => &a.global,
            Command::Capture(_)
            | Command::Record(_)
            | Command::Serve(_)
            | Command::Explain(_)
            | Command::Lab(_)
            | Command::Completions(_)
            | Command::Man(_) => return None,
        })
    }
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
    Zones(ZonesArgs),
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
    /// Record the machine's memory into a history store every interval (for history and --at)
    Record(RecordArgs),
    /// Time series from the history store: the system, a process, a cgroup; or the top growers
    History(HistoryArgs),
    /// One self-contained HTML page with charts of a recorded history (or of one capture)
    Report(ReportArgs),
    /// The figures as Prometheus metrics, once (for node_exporter's textfile collector, cron)
    Metrics(MetricsArgs),
    /// Serve the figures to Prometheus over HTTP: /metrics, collected on its own schedule
    Serve(ServeArgs),
    /// Watch processes or a cgroup over time: a line per sample, then a verdict (leak, plateau, sawtooth, stable, cache, virtual)
    #[command(after_help = WATCH_EXIT_STATUS)]
    Watch(WatchArgs),
    /// A live, memory-first terminal UI (or the recorded past with --at): press ? for keys
    Top(TopArgs),
    /// Findings, most serious first, with evidence (exit 0 ok, 1 warning, 2 critical, 3 unknown)
    #[command(after_help = DOCTOR_EXIT_STATUS)]
    Doctor(DoctorArgs),
    /// Huge pages: hugetlb pools and holders, THP mode and top users, KSM savings
    Huge(HugeArgs),
    /// SysV shared memory, semaphores and message queues, POSIX shm (/dev/shm), IPC limits
    Ipc(IpcArgs),
    /// Where RAM goes: installed RAM → MemTotal → every consumer, summing exactly, the rest named
    Where(WhereArgs),
    /// Swap devices and priorities, zswap and zram compression, swap traffic, top swapped processes
    Swap(SwapArgs),
    /// Page cache by file: how much of each file is in memory (like fincore), the files
    /// processes map or hold open by default
    Cache(CacheArgs),
    /// What a term means: meminfo and vmstat fields, RSS/PSS/USS, THP, KSM, PSI... (all without TERM)
    Explain(ExplainArgs),
    /// Classic memory experiments with known allocations (leak, cow, shared, tmpfs...)
    Lab(LabArgs),
    /// Print a shell completion script (e.g. `memlens completions bash > /etc/bash_completion.d/memlens`)
    Completions(CompletionsArgs),
    /// Print the manual page in roff (e.g. `memlens man | man -l -`); with COMMAND, that command's page
    Man(ManArgs),
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// A command, for its own page (memlens-COMMAND)
    pub command: Option<String>,
}

#[derive(Args, Debug)]
pub struct CgroupArgs {
    #[command(flatten)]
    pub global: Global,
    /// Start at this cgroup (a path inside the hierarchy, e.g. /system.slice)
    pub path: Option<String>,
    /// Show at most this many levels below the start
    #[arg(long, value_name = "N")]
    pub depth: Option<u32>,
}

#[derive(Args, Debug)]
pub struct TunablesArgs {
    #[command(flatten)]
    pub global: Global,
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
    #[command(flatten)]
    pub global: Global,
    /// The process
    pub pid: u32,
    /// How long to watch (more than 0)
    #[arg(long, default_value = "5s", value_parser = parse_nonzero_duration)]
    pub interval: std::time::Duration,
}

#[derive(Args, Debug)]
pub struct RecordArgs {
    /// The history store, a directory (default: /var/lib/memlens as root, else
    /// ~/.local/share/memlens)
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Time between samples
    #[arg(long, default_value = "5s", value_parser = parse_nonzero_duration)]
    pub interval: std::time::Duration,
    /// Remove samples older than this, while recording
    #[arg(long, default_value = "7d", value_parser = parse_nonzero_duration)]
    pub retain: std::time::Duration,
    /// Keep the store under this size, removing the oldest samples
    #[arg(long, default_value = "1G", value_parser = parse_size)]
    pub max_size: u64,
    /// How long to record (default: until stopped with Ctrl-C or SIGTERM)
    #[arg(long = "for", value_name = "DUR", value_parser = parse_nonzero_duration)]
    pub duration: Option<std::time::Duration>,
    /// Read every process's files whole at least this often; in between, a process whose
    /// /proc/PID/stat shows no change in its memory keeps its figures from the sample
    /// before (0: read everything every sample)
    #[arg(long, value_name = "DUR", default_value = "1m", value_parser = parse_duration)]
    pub refresh: std::time::Duration,
    /// Say what each sample cost (bytes written, time taken), on stderr
    #[arg(long)]
    pub verbose: bool,
    /// Add the sample of a capture (tree or snapshot file) instead of recording the live
    /// machine, at the time it was taken; repeatable, oldest first
    #[arg(long, value_name = "DIR|FILE", action = clap::ArgAction::Append, help_heading = GLOBAL)]
    pub root: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub global: Global,
    /// From this time (RFC 3339, local HH:MM[:SS], or a time ago: 90m, 1d); default: the
    /// first sample
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub since: Option<String>,
    /// Until this time; default: the last sample
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub until: Option<String>,
    /// A process's figures
    #[arg(long, conflicts_with_all = ["command", "cgroup"])]
    pub pid: Option<u32>,
    /// The figures of the processes whose command line matches (one series each)
    #[arg(long, value_name = "REGEX", conflicts_with = "cgroup")]
    pub command: Option<String>,
    /// A memory cgroup's figures (its path, as `memlens cgroup` shows it)
    #[arg(long, value_name = "PATH")]
    pub cgroup: Option<String>,
    /// Figures to show, by catalogue key (`memlens explain` lists them); repeatable
    #[arg(long = "metric", value_name = "KEY")]
    pub metric: Vec<String>,
    /// The processes and cgroups whose memory grew most, with slopes and verdicts
    #[arg(long, conflicts_with_all = ["pid", "command", "cgroup", "metric"])]
    pub top_growers: bool,
    /// How many top growers
    #[arg(short = 'n', long, default_value_t = 10)]
    pub limit: usize,
    /// Read at most this many samples of the range, spread evenly over it, its first and
    /// last included (0: every sample). Each sample read is a whole snapshot rebuilt,
    /// about 20 ms for 1,000 processes; a day at 5 s is 17,280 samples
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub samples: usize,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub global: Global,
    /// From this time (RFC 3339, local HH:MM[:SS], or a time ago: 90m, 1d); default: the
    /// first sample
    #[arg(long, value_name = "DUR|TIME", allow_hyphen_values = true)]
    pub since: Option<String>,
    /// Until this time; default: the last sample
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub until: Option<String>,
    /// Where to write the page (- for standard output); default: memlens-report.html, or
    /// none when --svg is given alone
    #[arg(long, value_name = "FILE.html")]
    pub out: Option<PathBuf>,
    /// Also write each chart as an SVG file of its own into DIR (made if need be)
    #[arg(long, value_name = "DIR")]
    pub svg: Option<PathBuf>,
    /// Read at most this many samples whole (processes, cgroups, the doctor), spread
    /// evenly over the range; the system charts read every sample (0: every sample whole)
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub samples: usize,
}

#[derive(Args, Debug)]
pub struct WatchArgs {
    #[command(flatten)]
    pub global: Global,
    /// Processes to watch
    #[arg(required_unless_present_any = ["command", "cgroup"], conflicts_with_all = ["command", "cgroup"])]
    pub pid: Vec<u32>,
    /// Watch the processes whose command line matches this regular expression (processes
    /// that start later join the watch)
    #[arg(long, value_name = "REGEX", conflicts_with = "cgroup")]
    pub command: Option<String>,
    /// Watch a memory cgroup: its path in the hierarchy, as `memlens cgroup` shows it
    #[arg(long, value_name = "PATH")]
    pub cgroup: Option<String>,
    /// Time between samples
    #[arg(long, default_value = "2s", value_parser = parse_nonzero_duration)]
    pub interval: std::time::Duration,
    /// How long to watch (default: until interrupted with Ctrl-C, or every process exited)
    #[arg(long = "for", value_name = "DUR", value_parser = parse_nonzero_duration)]
    pub duration: Option<std::time::Duration>,
    /// Exit with status 4 when a leak faster than RATE is found (e.g. 1M/min, 100K/s, 1G/h)
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    pub alert: Option<f64>,
    /// How long one process's reads may take, in seconds
    #[arg(long, default_value_t = 2.0)]
    pub timeout: f64,
}

#[derive(Args, Debug)]
pub struct TopArgs {
    #[command(flatten)]
    pub global: Global,
    /// Time between refreshes (live)
    #[arg(long, default_value = "1s", value_parser = parse_nonzero_duration)]
    pub interval: std::time::Duration,
    /// Read each process's PSS again at least this often even when its `stat` shows no
    /// change (PSS moves as other processes come and go); changed processes are read at
    /// every refresh
    #[arg(long, default_value = "30s", value_parser = parse_nonzero_duration)]
    pub refresh: std::time::Duration,
    /// How long one process's reads may take, in seconds
    #[arg(long, default_value_t = 2.0)]
    pub timeout: f64,
    /// Samples the sparklines and each process's series keep
    #[arg(long, value_name = "N", default_value_t = 300)]
    pub keep: usize,
}

/// `--command RE` of `ps`, `watch` and `history`: the regular expression, or a usage
/// failure giving the regex crate's reason (the last line of its message).
pub fn command_regex(re: &str) -> Result<regex::Regex, crate::failure::Failure> {
    regex_of("--command", re)
}

/// An optional regular expression given as `option`, as [`command_regex`] checks it.
pub fn optional_regex(
    option: &str,
    re: Option<&str>,
) -> Result<Option<regex::Regex>, crate::failure::Failure> {
    re.map(|re| regex_of(option, re)).transpose()
}

fn regex_of(option: &str, re: &str) -> Result<regex::Regex, crate::failure::Failure> {
    regex::Regex::new(re).map_err(|e| {
        let why = e.to_string();
        let why = why
            .lines()
            .last()
            .unwrap_or("")
            .trim_start_matches("error: ");
        crate::failure::Failure::usage(format!(
            "{option}: invalid regular expression {re:?}: {why}"
        ))
    })
}

/// `--cgroup PATH` of `watch` and `history`: the path as `memlens cgroup` prints it, or a
/// usage failure for `.` and `..`, which would leave the hierarchy.
pub fn cgroup_path(given: &str) -> Result<String, crate::failure::Failure> {
    let raw = memlens_sources::cgroupfs::parse_path(given).ok_or_else(|| {
        crate::failure::Failure::usage(format!(
            "--cgroup {given:?}: `.` and `..` would leave the cgroup hierarchy"
        ))
    })?;
    Ok(memlens_sources::text::escaped(&raw))
}

/// A growth rate, SIZE[/UNIT] (UNIT s, min, h or d; per second without one), in bytes per
/// second.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let (size, per) = match s.split_once('/') {
        Some((a, b)) => (a, b.trim()),
        None => (s, "s"),
    };
    let secs = match per {
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return Err(format!("not a rate: {s:?} (use e.g. 1M/min, 100K/s, 1G/h)")),
    };
    let bytes = memlens_present::parse_size(size)
        .map_err(|_| format!("not a rate: {s:?} (use e.g. 1M/min, 100K/s, 1G/h)"))?;
    Ok(bytes as f64 / secs)
}

#[derive(Args, Debug)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub global: Global,
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
    /// Print one JSON object per event (set up, holding, released) instead of text
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub json: bool,
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
        /// How many blocks to allocate
        #[arg(long, default_value_t = 8)]
        count: u64,
        /// Size of each block (e.g. 16M, 1G)
        #[arg(long, default_value = "16M", value_parser = parse_size)]
        size: u64,
        /// Pause between blocks (e.g. 500ms, 2s)
        #[arg(long, default_value = "0s", value_parser = parse_duration)]
        interval: std::time::Duration,
        /// Set RLIMIT_AS (the address-space limit) to SIZE and allocate until the kernel
        /// refuses: reports the bytes allocated, VSZ at the refusal and the error
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        limit_as: Option<u64>,
    },
    /// The same, freeing each block before the next: RSS stays flat
    Noleak {
        /// How many blocks to allocate (each freed before the next)
        #[arg(long, default_value_t = 8)]
        count: u64,
        /// Size of each block (e.g. 16M, 1G)
        #[arg(long, default_value = "16M", value_parser = parse_size)]
        size: u64,
        /// Pause between blocks (e.g. 500ms, 2s)
        #[arg(long, default_value = "0s", value_parser = parse_duration)]
        interval: std::time::Duration,
    },
    /// Allocate PEAK in STEPS blocks, free it all, CYCLES times; keep BASE a cycle: a sawtooth
    Sawtooth {
        /// The height of each tooth
        #[arg(long, default_value = "32M", value_parser = parse_size)]
        peak: u64,
        /// Blocks per tooth, one --interval apart
        #[arg(long, default_value_t = 8)]
        steps: u64,
        /// Kept for good each cycle (0: a flat sawtooth; more: a slow leak under it)
        #[arg(long, default_value = "0", value_parser = parse_size)]
        base: u64,
        /// How many teeth
        #[arg(long, default_value_t = 4)]
        cycles: u64,
        /// Pause between blocks (e.g. 100ms)
        #[arg(long, default_value = "100ms", value_parser = parse_duration)]
        interval: std::time::Duration,
    },
    /// mmap SIZE, COUNT times, without touching: VSZ grows, RSS does not
    Reserve {
        /// How many regions to map
        #[arg(long, default_value_t = 8)]
        count: u64,
        /// Size of each region (e.g. 16M, 1G)
        #[arg(long, default_value = "16M", value_parser = parse_size)]
        size: u64,
        /// Pause between regions (e.g. 500ms): VSZ grows over time, RSS does not
        #[arg(long, default_value = "0s", value_parser = parse_duration)]
        interval: std::time::Duration,
    },
    /// Touch SIZE, fork CHILDREN that write FRACTION of it: copy-on-write
    Cow {
        /// How many children to fork
        #[arg(long, default_value_t = 3)]
        children: u32,
        /// Size of the region the parent touches before forking
        #[arg(long, default_value = "64M", value_parser = parse_size)]
        size: u64,
        /// Fraction of the region each child writes (0 to 1)
        #[arg(long, default_value_t = 0.0, value_parser = parse_fraction)]
        write: f64,
    },
    /// PROCS processes map the same SIZE: each one's PSS is SIZE/PROCS
    Shared {
        /// How many processes map the region
        #[arg(long, default_value_t = 4)]
        procs: u32,
        /// Size of the shared region
        #[arg(long, default_value = "64M", value_parser = parse_size)]
        size: u64,
        /// What backs the region: a file, shared anonymous memory or SysV shm
        #[arg(long, value_enum, default_value = "anon")]
        kind: SharedKindArg,
    },
    /// Write a SIZE file to tmpfs: Shmem and page cache rise, no process RSS does
    Tmpfs {
        /// Size of the file
        #[arg(long, default_value = "64M", value_parser = parse_size)]
        size: u64,
        /// A tmpfs directory to write it in
        #[arg(long, default_value = "/dev/shm")]
        dir: PathBuf,
    },
    /// madvise(MADV_HUGEPAGE) SIZE and touch it: AnonHugePages rises when THP allows
    Thp {
        /// Size of the region
        #[arg(long, default_value = "64M", value_parser = parse_size)]
        size: u64,
    },
    /// Reserve SIZE (default: twice RAM plus swap) without touching, and report what the kernel said
    Overcommit {
        /// Size to reserve (default: twice RAM plus swap)
        #[arg(long, value_parser = parse_size)]
        size: Option<u64>,
    },
    /// Touch SIZE, then keep touching FRACTION of it: a working set for `memlens wss`
    Wss {
        /// Size of the region touched once
        #[arg(long, default_value = "64M", value_parser = parse_size)]
        size: u64,
        /// Fraction of the region touched again and again (0 to 1)
        #[arg(long, default_value_t = 0.25, value_parser = parse_fraction)]
        fraction: f64,
        /// Pause between passes over the working set
        #[arg(long, default_value = "100ms", value_parser = parse_duration)]
        every: std::time::Duration,
    },
    /// COUNT one-page mappings that cannot merge: `maps` at scale
    Mappings {
        /// How many one-page mappings
        #[arg(long, default_value_t = 10000)]
        count: u64,
    },
    /// Write and read back a SIZE file: clean page cache rises; --drop drops it
    Pagecache {
        /// Size of the file
        #[arg(long, default_value = "64M", value_parser = parse_size)]
        size: u64,
        /// Directory on a disk filesystem (not tmpfs)
        #[arg(long, default_value = "/var/tmp")]
        dir: PathBuf,
        /// Drop the file's pages with posix_fadvise(DONTNEED) after reading
        #[arg(long, conflicts_with = "interval")]
        drop: bool,
        /// Map the file and read it in --steps chunks this far apart: the process's
        /// file-backed RSS grows (for `memlens watch`)
        #[arg(long, default_value = "0s", value_parser = parse_duration)]
        interval: std::time::Duration,
        /// Chunks to read the file in, with --interval
        #[arg(long, default_value_t = 16)]
        steps: u64,
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

/// The sort keys of `ps`, matched in any case (`PSS` as the header says it) and returned
/// in lower case; `swappss` (the header) is `swap_pss`.
fn sort_keys() -> impl clap::builder::TypedValueParser<Value = String> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(memlens_analysis::procs::SORT_KEYS.iter().map(|k| {
        let v = clap::builder::PossibleValue::new(*k);
        if *k == "swap_pss" {
            v.alias("swappss")
        } else {
            v
        }
    }))
    .map(|k: String| match k.to_ascii_lowercase().as_str() {
        "swappss" => "swap_pss".to_string(),
        other => other.to_string(),
    })
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

/// A duration longer than zero (an interval to watch something over).
fn parse_nonzero_duration(s: &str) -> Result<std::time::Duration, String> {
    let d = parse_duration(s)?;
    if d.is_zero() {
        return Err(format!(
            "{s:?} is no time to watch anything over (use e.g. 500ms, 5s)"
        ));
    }
    Ok(d)
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
        "d" => n * 86_400.0,
        _ => {
            return Err(format!(
                "unknown duration unit in {s:?} (use ms, s, m, h, d)"
            ))
        }
    };
    std::time::Duration::try_from_secs_f64(secs)
        .map_err(|_| format!("duration out of range: {s:?}"))
}

#[derive(Args, Debug)]
pub struct SysArgs {
    #[command(flatten)]
    pub global: Global,
    /// Add a one-line meaning to each row
    #[arg(long)]
    pub explain: bool,
}

#[derive(Args, Debug)]
pub struct SwapArgs {
    #[command(flatten)]
    pub global: Global,
    /// Show at most N processes with memory in swap
    #[arg(long, short = 'n', value_name = "N", default_value_t = 10)]
    pub limit: usize,
    /// Sample the swap counters over this long for current rates (default: since boot)
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub interval: Option<std::time::Duration>,
}

#[derive(Args, Debug)]
pub struct CacheArgs {
    #[command(flatten)]
    pub global: Global,
    /// Files or directories (walked, staying on their file system); default: every file
    /// a process maps or holds open
    pub paths: Vec<PathBuf>,
    /// Show the N files holding most page cache (0: all)
    #[arg(long, short = 'n', value_name = "N", default_value_t = 20)]
    pub top: usize,
    /// Stop examining files after this long (the totals then say how many were left)
    #[arg(long, value_name = "DUR", default_value = "10s", value_parser = parse_nonzero_duration)]
    pub time_limit: std::time::Duration,
    /// Examine at most this many files
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_files: usize,
}

#[derive(Args, Debug)]
pub struct WhereArgs {
    #[command(flatten)]
    pub global: Global,
    /// Add a one-line meaning to each part
    #[arg(long)]
    pub explain: bool,
    /// List the tmpfs and devtmpfs mounts behind the tree's shmem part instead, and the
    /// shared memory objects processes map (SysV, memfd, POSIX, shared anonymous) with the
    /// processes holding each (reads every process's smaps)
    #[arg(long)]
    pub shmem: bool,
    /// With --shmem: seconds one process's smaps may take to read before it is skipped
    #[arg(long, default_value_t = 2.0, value_name = "SECS", requires = "shmem")]
    pub timeout: f64,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByArg {
    User,
    Command,
    Cgroup,
}

#[derive(Args, Debug)]
pub struct PsArgs {
    #[command(flatten)]
    pub global: Global,
    /// Sort by this column, in any case (byte columns largest first)
    #[arg(long, short = 's', default_value = "pss", ignore_case = true, value_parser = sort_keys())]
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
    /// Also MINFLT and MAJFLT: the page faults of each process since it started (reads
    /// /proc/PID/stat; implied by --sort minflt or majflt)
    #[arg(long)]
    pub faults: bool,
    /// Also each process's memory limits (/proc/PID/limits: address space, data, stack,
    /// locked memory) and how much of each it uses
    #[arg(long)]
    pub rlimits: bool,
    /// Scan twice this far apart and add MINFLT/s and MAJFLT/s, each process's page faults
    /// per second in between (with --at TIME, or two captures given as roots: between those two snapshots)
    #[arg(long, value_name = "DUR", value_parser = parse_nonzero_duration)]
    pub interval: Option<std::time::Duration>,
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
    #[command(flatten)]
    pub global: Global,
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
    /// Directory to create (must not exist or be empty): a tree of the kernel's files
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub dir: Option<PathBuf>,
    /// Write one compressed snapshot file instead of a tree (for --root FILE)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// With --file: also take every process's full smaps (a larger file; `maps PID` can
    /// then read it)
    #[arg(long, requires = "file")]
    pub smaps: bool,
    /// Copy the files of the capture tree DIR instead of the live machine's
    #[arg(long, value_name = "DIR", action = clap::ArgAction::Append, help_heading = GLOBAL)]
    pub root: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct VmstatArgs {
    #[command(flatten)]
    pub global: Global,
    /// Time between rows (1, 0.5, 2s, 500ms); without it, one row since boot
    #[arg(value_parser = parse_duration)]
    pub interval: Option<std::time::Duration>,
    /// Number of rows, the since-boot row included (default: until interrupted)
    pub count: Option<u64>,
}

#[derive(Args, Debug)]
pub struct BuddyArgs {
    #[command(flatten)]
    pub global: Global,
    /// Add free blocks and page blocks per migrate type (pagetypeinfo; root only)
    #[arg(long)]
    pub types: bool,
}

#[derive(Args, Debug)]
pub struct SlabArgs {
    #[command(flatten)]
    pub global: Global,
    /// Show at most N caches (the totals still cover all)
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Args, Debug)]
pub struct MetricsArgs {
    #[command(flatten)]
    pub global: Global,
    /// Write to FILE instead of stdout, atomically (a temporary file beside it, renamed over
    /// it), as node_exporter's textfile collector wants
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// OpenMetrics 1.0 text instead of the Prometheus text format 0.0.4
    #[arg(long)]
    pub openmetrics: bool,
    /// List every metric family memlens can export (name, type, labels, meaning), as a
    /// Markdown table, and read nothing
    #[arg(long, conflicts_with_all = ["out", "openmetrics"])]
    pub list: bool,
    #[command(flatten)]
    pub export: ExportArgs,
}

/// What `metrics` and `serve` export.
#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    /// Per-process series for the N processes with the most PSS
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,
    /// Per-process series also for every process whose command line matches
    #[arg(long, value_name = "REGEX")]
    pub process: Option<String>,
    /// Label per-process series with the command line too (off: command lines carry secrets)
    #[arg(long)]
    pub cmdline: bool,
    /// Per-cgroup series for cgroups at most this many levels below the root (0: the root
    /// only)
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub cgroup_depth: u32,
    /// Seconds one process may take to read before it is skipped as unreadable
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    pub timeout: f64,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address and port to listen on (another interface than loopback exposes the
    /// metrics to the network: see --web-config)
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:9556")]
    pub listen: std::net::SocketAddr,
    /// Time between collections; scrapes are served from the last one
    #[arg(long, default_value = "15s", value_parser = parse_nonzero_duration)]
    pub interval: std::time::Duration,
    /// TLS and basic authentication, in the Prometheus exporter-toolkit's web config format
    /// (tls_server_config, basic_auth_users with bcrypt hashes)
    #[arg(long, value_name = "FILE")]
    pub web_config: Option<PathBuf>,
    /// The span of samples kept of each exported process for its leak slope and verdict
    /// (memlens_process_leak_slope_bytes_per_second, memlens_process_leaking)
    #[arg(long, value_name = "DUR", default_value = "1h", value_parser = parse_nonzero_duration)]
    pub trend_window: std::time::Duration,
    /// Connections served at once; more are closed when accepted
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub max_connections: u32,
    #[command(flatten)]
    pub export: ExportArgs,
    /// Serve a capture (tree or snapshot file) instead of the live machine
    #[arg(long, value_name = "DIR|FILE", help_heading = GLOBAL)]
    pub root: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct OomArgs {
    #[command(flatten)]
    pub global: Global,
    /// Show at most N processes
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<usize>,
    /// Seconds one process may take to read before it is skipped as unreadable
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    pub timeout: f64,
}

#[derive(Args, Debug)]
pub struct HugeArgs {
    #[command(flatten)]
    pub global: Global,
    /// Show at most N processes in each list
    #[arg(long, short = 'n', value_name = "N", default_value_t = 10)]
    pub limit: usize,
    /// Seconds one process may take to read before it is skipped as unreadable
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    pub timeout: f64,
}

#[derive(Args, Debug)]
pub struct ZonesArgs {
    #[command(flatten)]
    pub global: Global,
}

#[derive(Args, Debug)]
pub struct IpcArgs {
    #[command(flatten)]
    pub global: Global,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub options: ExplainOptions,
    /// The term (case-insensitive), e.g. PSS, SReclaimable, pgmajfault, oom_adj, or a figure
    /// as SCOPE.KEY (its KIND is `SCOPE figure`), e.g. vmstat.free
    pub term: Option<String>,
}
