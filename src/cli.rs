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
    /// Read /proc, /sys and /etc under DIR (a `memlens capture` tree) instead of /
    #[arg(long, global = true, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
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
