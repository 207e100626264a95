//! memlens: shows and explains where a Linux machine's memory goes.

mod cli;
mod commands;
mod export;
mod failure;
mod history;
mod metrics;
mod output;
mod render;
mod scanned;
mod when;

use clap::Parser;
use memlens_sources::Root;

use cli::{Cli, Command};
use failure::{Failure, Outcome};
use output::Output;

fn run(cli: &Cli, global: &cli::Global, out: &Output) -> Outcome {
    if let Some(Command::Lab(a)) = &cli.command {
        // Experiments act on the live machine: --root does not apply.
        return commands::lab::run(a, out);
    }
    if let Some(Command::Record(a)) = &cli.command {
        // The live machine, or each capture given, once.
        let roots = global
            .root
            .iter()
            .map(Root::open)
            .collect::<Result<Vec<_>, _>>()?;
        return commands::record::run(&roots, a);
    }
    if let Some(Command::History(a)) = &cli.command {
        // Reads the history store, not a machine.
        return commands::history::run(global, a, out);
    }
    if let Some(Command::Report(a)) = &cli.command {
        // The history store, or one or two captures.
        return commands::report::run(global, a);
    }
    if let Some(Command::Top(a)) = &cli.command {
        // Live, a capture, or the history store stepped through.
        return commands::top::run(global, a);
    }
    if let Some(Command::Explain(a)) = &cli.command {
        // The glossary reads nothing: --root does not apply.
        return commands::explain::run(a, out);
    }
    if let Some(Command::Completions(a)) = &cli.command {
        return commands::docs::completions(a);
    }
    if let Some(Command::Man(a)) = &cli.command {
        return commands::docs::man(a);
    }
    let pair = matches!(
        cli.command,
        Some(Command::Vmstat(_)) | Some(Command::Doctor(_)) | Some(Command::Ps(_))
    );
    // One root (default `/`), two captures for the interval commands, or the samples of
    // the history at a moment (and the one before it, for rates).
    let mut roots = Vec::new();
    if global.db.is_some() && global.at.is_none() {
        return Err(Failure::usage(
            "--db goes with --at TIME (or with record and history)",
        ));
    }
    if let Some(at) = &global.at {
        let name = cli.command.as_ref().map(Command::name).unwrap_or("");
        if matches!(
            cli.command,
            Some(
                Command::Maps(_)
                    | Command::Wss(_)
                    | Command::Watch(_)
                    | Command::Serve(_)
                    | Command::Cache(_)
            )
        ) {
            let why = match cli.command {
                Some(Command::Serve(_)) => "it serves the machine as it is now",
                Some(Command::Cache(_)) => "it asks the kernel about files as they are now",
                _ => "the history keeps no mappings and cannot be watched",
            };
            return Err(Failure::usage(format!(
                "--at does not apply to `memlens {name}`: {why}"
            )));
        }
        if !global.root.is_empty() {
            return Err(Failure::usage(
                "--at and --root exclude each other: give one",
            ));
        }
        let (root, earlier) = history::roots_at(global.db.as_ref(), at, pair)?;
        roots.extend(earlier);
        roots.push(root);
    }
    for dir in &global.root {
        roots.push(Root::open(dir)?);
    }
    if roots.is_empty() {
        roots.push(Root::open("/")?);
    }
    if roots.len() > 2 || (roots.len() == 2 && !pair) {
        return Err(Failure::usage(
            "--root: give one DIR, or two captures (earlier, then later) to `vmstat`, `doctor` or `ps`",
        ));
    }
    let earlier = (roots.len() == 2).then(|| roots[0].clone());
    let root = roots.pop().expect("one root");
    if let Some(e) = &earlier {
        commands::check_pair(e, &root)?;
    }
    let earlier = earlier.as_ref();
    match &cli.command {
        None => commands::overview::run(&root, out),
        Some(Command::Sys(a)) => commands::sys::run(&root, a, out),
        Some(Command::Ps(a)) => commands::ps::run(&root, earlier, a, out),
        Some(Command::Maps(a)) => commands::maps::run(&root, a, out),
        Some(Command::Capture(a)) => commands::capture::run(&root, a),
        Some(Command::Cgroup(a)) => commands::cgroup::run(&root, a, out),
        Some(Command::Tunables(a)) => commands::tunables::run(&root, a, out),
        Some(Command::Wss(a)) => commands::wss::run(&root, a, out),
        Some(Command::Watch(a)) => commands::watch::run(&root, a, out),
        Some(Command::Record(_)) => unreachable!("record is run above"),
        Some(Command::Top(_)) => unreachable!("top is run above"),
        Some(Command::Report(_)) => unreachable!("report is run above"),
        Some(Command::History(a)) => commands::history::run(global, a, out),
        Some(Command::Metrics(a)) => commands::metrics::run(&root, a),
        Some(Command::Serve(a)) => commands::serve::run(&root, a),
        Some(Command::Doctor(a)) => commands::doctor::run(&root, earlier, a, out),
        Some(Command::Vmstat(a)) => commands::vmstat::run(&root, earlier, a, out),
        Some(Command::Zones(_)) => commands::zones::run(&root, out),
        Some(Command::Buddy(a)) => commands::buddy::run(&root, a, out),
        Some(Command::Slab(a)) => commands::slab::run(&root, a, out),
        Some(Command::Oom(a)) => commands::oom::run(&root, a, out),
        Some(Command::Huge(a)) => commands::huge::run(&root, a, out),
        Some(Command::Ipc(_)) => commands::ipc::run(&root, out),
        Some(Command::Where(a)) => commands::r#where::run(&root, a, out),
        Some(Command::Swap(a)) => commands::swap::run(&root, a, out),
        Some(Command::Cache(a)) => commands::cache::run(&root, a, out),
        Some(Command::Explain(a)) => commands::explain::run(a, out),
        Some(Command::Lab(a)) => commands::lab::run(a, out),
        Some(Command::Completions(a)) => commands::docs::completions(a),
        Some(Command::Man(a)) => commands::docs::man(a),
    }
}

/// `memlens doctor` is a monitoring check: whatever stops it from judging the machine
/// (unreadable files, wrong arguments) is UNKNOWN, exit 3.
const DOCTOR_UNKNOWN: i32 = 3;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let doctor = cli::names_doctor(std::env::args_os());
            let _ = e.print();
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ if doctor => DOCTOR_UNKNOWN,
                _ => failure::EXIT_USAGE,
            };
            std::process::exit(code);
        }
    };
    let doctor = matches!(cli.command, Some(Command::Doctor(_)));
    let global = match cli.options() {
        Ok(g) => g,
        Err(e) => {
            eprintln!("memlens: {e}");
            std::process::exit(if doctor {
                DOCTOR_UNKNOWN
            } else {
                failure::EXIT_USAGE
            });
        }
    };
    let out = Output::from_global(&global);
    match run(&cli, &global, &out) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("memlens: {e}");
            let code = if doctor { DOCTOR_UNKNOWN } else { e.code() };
            std::process::exit(code);
        }
    }
}
