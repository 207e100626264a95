//! `memlens lab EXPERIMENT`: run an experiment, print what it did (text or one JSON object
//! per line), hold, release.

use memlens_lab::{Event, Experiment, LabError, Options, SharedKind};

use crate::cli::{LabArgs, LabExperiment, SharedKindArg};
use crate::failure::{Failure, Outcome};
use crate::output::{print, Format, Output};

fn experiment(e: &LabExperiment) -> Result<Experiment, LabError> {
    Ok(match e {
        LabExperiment::Leak {
            count,
            size,
            interval,
            limit_as,
        } => Experiment::Leak {
            count: *count,
            size: *size,
            interval: *interval,
            limit_as: *limit_as,
        },
        LabExperiment::Noleak {
            count,
            size,
            interval,
        } => Experiment::NoLeak {
            count: *count,
            size: *size,
            interval: *interval,
        },
        LabExperiment::Reserve {
            count,
            size,
            interval,
        } => Experiment::Reserve {
            count: *count,
            size: *size,
            interval: *interval,
        },
        LabExperiment::Cow {
            children,
            size,
            write,
        } => Experiment::Cow {
            children: *children,
            size: *size,
            write: *write,
        },
        LabExperiment::Shared { procs, size, kind } => Experiment::Shared {
            procs: *procs,
            size: *size,
            kind: match kind {
                SharedKindArg::File => SharedKind::File,
                SharedKindArg::Anon => SharedKind::Anon,
                SharedKindArg::Shm => SharedKind::Shm,
            },
        },
        LabExperiment::Tmpfs { size, dir } => Experiment::Tmpfs {
            size: *size,
            dir: dir.clone(),
        },
        LabExperiment::Thp { size } => Experiment::Thp { size: *size },
        LabExperiment::Mappings { count } => Experiment::Mappings { count: *count },
        LabExperiment::Wss {
            size,
            fraction,
            every,
        } => Experiment::Wss {
            size: *size,
            fraction: *fraction,
            every: *every,
        },
        LabExperiment::Overcommit { size } => {
            let size = match size {
                Some(s) => *s,
                None => {
                    let mi = memlens_sources::meminfo::read(&memlens_sources::Root::live())
                        .map_err(|e| LabError(e.to_string()))?;
                    mi.mem_total.unwrap_or(0).saturating_mul(2) + mi.swap_total.unwrap_or(0)
                }
            };
            Experiment::Overcommit { size }
        }
        LabExperiment::Pagecache {
            size,
            dir,
            drop,
            interval,
            steps,
        } => Experiment::PageCache {
            size: *size,
            dir: dir.clone(),
            drop: *drop,
            interval: *interval,
            steps: *steps,
        },
        LabExperiment::Sawtooth {
            peak,
            steps,
            base,
            cycles,
            interval,
        } => Experiment::Sawtooth {
            peak: *peak,
            steps: *steps,
            base: *base,
            cycles: *cycles,
            interval: *interval,
        },
    })
}

fn text(ev: &Event) -> String {
    match ev {
        Event::Block {
            index,
            allocated,
            resident,
        } => format!(
            "block {}: {} MiB allocated, {} MiB held\n",
            index + 1,
            allocated >> 20,
            resident >> 20
        ),
        Event::Ready(r) => {
            let mut s = format!("memlens lab {}: pid {}", r.experiment, r.pid);
            if !r.children.is_empty() {
                s.push_str(&format!(", children {:?}", r.children));
            }
            s.push_str(&format!(
                "\n  mapped {} MiB, touched {} MiB\n",
                r.allocated >> 20,
                r.touched >> 20
            ));
            for reg in &r.regions {
                s.push_str(&format!(
                    "  region at {} ({} MiB)\n",
                    reg.start,
                    reg.size >> 20
                ));
            }
            for (k, v) in &r.figures {
                s.push_str(&format!("  {k}: {v}\n"));
            }
            for e in &r.expect {
                s.push_str(&format!("  expect: {e}\n"));
            }
            s.push_str(&format!(
                "  watch it: memlens ps --pid {}{}   memlens maps {}\n  holding; Ctrl-C or `kill {}` releases everything\n",
                r.pid,
                r.children.iter().map(|c| format!(",{c}")).collect::<String>(),
                r.pid,
                r.pid
            ));
            s
        }
        Event::Released { experiment, pid } => {
            format!("memlens lab {experiment}: pid {pid} released everything\n")
        }
    }
}

/// Runs an experiment. Arguments it cannot take are usage errors; an experiment the
/// machine cannot hold (too little memory, a failed system call) is refused.
pub fn run(args: &LabArgs, out: &Output) -> Outcome {
    let exp = experiment(&args.experiment).map_err(|e| Failure::usage(format!("lab: {e}")))?;
    let json = out.format == Format::Json;
    let mut emit = |ev: &Event| {
        if json {
            let mut line = serde_json::to_string(ev).unwrap_or_default();
            line.push('\n');
            print(&line);
        } else {
            print(&text(ev));
        }
    };
    memlens_lab::run(&exp, &Options { hold: args.hold }, &mut emit)
        .map_err(|e| Failure::refused(format!("lab: {e}")))?;
    Ok(0)
}
