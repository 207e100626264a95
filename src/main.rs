//! memlens: shows and explains where a Linux machine's memory goes.

mod cli;
mod commands;
mod output;

use clap::Parser;
use memlens_sources::Root;

use cli::{Cli, Command};
use output::Output;

fn main() {
    let cli = Cli::parse();
    let out = Output::from_global(&cli.global);
    let result = Root::open(&cli.global.root).and_then(|root| match &cli.command {
        None => commands::overview::run(&root, &out),
        Some(Command::Sys(a)) => commands::sys::run(&root, a, &out),
        Some(Command::Ps(a)) => commands::ps::run(&root, a, &out),
        Some(Command::Maps(a)) => commands::maps::run(&root, a, &out),
        Some(Command::Capture(a)) => commands::capture::run(&root, a),
    });
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("memlens: {e}");
            std::process::exit(2);
        }
    }
}
