//! `memlens completions SHELL` and `memlens man [COMMAND]`: generated from the same clap
//! definition as the parser, so they cannot drift from it.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::failure::{Failure, Outcome};
use crate::output::print_raw;

pub fn completions(args: &CompletionsArgs) -> Outcome {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "memlens", &mut buf);
    print_raw(&String::from_utf8_lossy(&buf));
    Ok(0)
}

pub fn man(args: &ManArgs) -> Outcome {
    let mut cmd = Cli::command();
    cmd.build();
    let page = match &args.command {
        None => cmd,
        Some(name) => {
            let sub = cmd
                .get_subcommands()
                .find(|c| c.get_name() == name)
                .cloned()
                .ok_or_else(|| {
                    Failure::usage(format!(
                        "man: no command {name:?} (`memlens --help` lists them)"
                    ))
                })?;
            // Printed once, then the process exits: leaking the name is free.
            let full: &'static str = Box::leak(format!("memlens-{name}").into_boxed_str());
            sub.name(full)
                .bin_name(full)
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut buf)
        .map_err(|e| Failure::read(format!("man: {e}")))?;
    print_raw(&th_first(&String::from_utf8_lossy(&buf)));
    Ok(0)
}

/// The page with its `.TH` title line first, as man pages begin (clap_mangen puts the
/// definition of the apostrophe string before it; it only has to come before its use).
fn th_first(roff: &str) -> String {
    let mut lines: Vec<&str> = roff.lines().collect();
    if let Some(i) = lines.iter().position(|l| l.starts_with(".TH ")) {
        let th = lines.remove(i);
        lines.insert(0, th);
    }
    let mut s = lines.join("\n");
    s.push('\n');
    s
}
