//! memlens: shows and explains where a Linux machine's memory goes.

mod cli;
mod commands;
mod output;

use clap::Parser;
use memlens_sources::Root;

use cli::{Cli, Command};
use output::Output;

fn run(cli: &Cli, out: &Output) -> Result<i32, String> {
    if let Some(Command::Lab(a)) = &cli.command {
        // Experiments act on the live machine: --root does not apply.
        return commands::lab::run(a, out).map_err(|e| format!("lab: {e}"));
    }
    if let Some(Command::Explain(a)) = &cli.command {
        // The glossary reads nothing: --root does not apply.
        return commands::explain::run(a, out);
    }
    // One root (default `/`), or two captures for the interval commands.
    let mut roots = Vec::new();
    for dir in &cli.global.root {
        roots.push(Root::open(dir).map_err(|e| e.to_string())?);
    }
    if roots.is_empty() {
        roots.push(Root::open("/").map_err(|e| e.to_string())?);
    }
    let pair = matches!(
        cli.command,
        Some(Command::Vmstat(_)) | Some(Command::Doctor(_))
    );
    if roots.len() > 2 || (roots.len() == 2 && !pair) {
        return Err(
            "--root: give one DIR, or two captures (earlier, then later) to `vmstat` or `doctor`"
                .into(),
        );
    }
    let earlier = (roots.len() == 2).then(|| roots[0].clone());
    let root = roots.pop().expect("one root");
    let earlier = earlier.as_ref();
    match &cli.command {
        None => commands::overview::run(&root, out),
        Some(Command::Sys(a)) => commands::sys::run(&root, a, out),
        Some(Command::Ps(a)) => commands::ps::run(&root, a, out),
        Some(Command::Maps(a)) => commands::maps::run(&root, a, out),
        Some(Command::Capture(a)) => commands::capture::run(&root, a),
        Some(Command::Cgroup(a)) => commands::cgroup::run(&root, a, out),
        Some(Command::Tunables(a)) => commands::tunables::run(&root, a, out),
        Some(Command::Wss(a)) => commands::wss::run(&root, a, out),
        Some(Command::Doctor(a)) => commands::doctor::run(&root, earlier, a, out),
        Some(Command::Vmstat(a)) => commands::vmstat::run(&root, earlier, a, out),
        Some(Command::Zones) => commands::zones::run(&root, out),
        Some(Command::Buddy(a)) => commands::buddy::run(&root, a, out),
        Some(Command::Slab(a)) => commands::slab::run(&root, a, out),
        Some(Command::Oom(a)) => commands::oom::run(&root, a, out),
        Some(Command::Huge(a)) => commands::huge::run(&root, a, out),
        Some(Command::Ipc) => commands::ipc::run(&root, out),
        Some(Command::Explain(a)) => return commands::explain::run(a, out),
        Some(Command::Lab(a)) => {
            return commands::lab::run(a, out).map_err(|e| format!("lab: {e}"))
        }
    }
    .map_err(|e| e.to_string())
}

fn main() {
    let cli = Cli::parse();
    let out = Output::from_global(&cli.global);
    match run(&cli, &out) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("memlens: {e}");
            std::process::exit(2);
        }
    }
}
