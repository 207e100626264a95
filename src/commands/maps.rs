//! `memlens maps PID`: read smaps, sum by mapping/kind/path, compare with smaps_rollup.

use crate::failure::{Failure, Outcome};
use std::time::Duration;

use memlens_analysis::maps::{self as maps_analysis, MapGroup, RollupCheck};
use memlens_analysis::procs::Rlimits;
use memlens_catalogue::Scope;
use memlens_model::{Mapping, SmapsCounters};
use memlens_present::{Cell, Column, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::procs::ScanOptions;
use memlens_sources::Root;
use serde::Serialize;

use crate::cli::{MapsArgs, MapsBy};
use crate::output::{count, print, print_json, Format, Output};
use crate::render::{left, right};
use crate::scanned::{self, One};

/// One mapping as printed and serialised (addresses as hex strings: 64-bit addresses do
/// not fit JSON numbers exactly).
#[derive(Debug, Serialize)]
pub struct MapRow<'a> {
    pub start: String,
    pub end: String,
    pub perms: &'a str,
    pub offset: String,
    pub dev: &'a str,
    pub inode: u64,
    pub kind: &'static str,
    pub path: &'a str,
    pub size: u64,
    pub rss: Option<u64>,
    pub pss: Option<u64>,
    pub pss_dirty: Option<u64>,
    pub shared_clean: Option<u64>,
    pub shared_dirty: Option<u64>,
    pub private_clean: Option<u64>,
    pub private_dirty: Option<u64>,
    pub referenced: Option<u64>,
    pub anonymous: Option<u64>,
    pub swap: Option<u64>,
    pub swap_pss: Option<u64>,
    pub anon_huge_pages: Option<u64>,
    pub locked: Option<u64>,
    pub thp_eligible: Option<bool>,
    pub vm_flags: Option<&'a str>,
}

fn map_row(m: &Mapping) -> MapRow<'_> {
    let c = &m.counters;
    MapRow {
        start: format!("{:x}", m.start),
        end: format!("{:x}", m.end),
        perms: &m.perms,
        offset: format!("{:x}", m.offset),
        dev: &m.dev,
        inode: m.inode,
        kind: m.kind.as_str(),
        path: &m.path,
        size: m.size(),
        rss: c.rss,
        pss: c.pss,
        pss_dirty: c.pss_dirty,
        shared_clean: c.shared_clean,
        shared_dirty: c.shared_dirty,
        private_clean: c.private_clean,
        private_dirty: c.private_dirty,
        referenced: c.referenced,
        anonymous: c.anonymous,
        swap: c.swap,
        swap_pss: c.swap_pss,
        anon_huge_pages: c.anon_huge_pages,
        locked: c.locked,
        thp_eligible: m.thp_eligible,
        vm_flags: m.vm_flags.as_deref(),
    }
}

#[derive(Serialize)]
struct MapsJson<'a> {
    pid: u32,
    command: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    mappings: Option<Vec<MapRow<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<&'a [MapGroup]>,
    totals: MapGroup,
    rollup_check: Option<RollupCheck>,
    /// The process's memory limits, as `ps --rlimits` gives them (`limit_*` keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    rlimits: Option<Rlimits>,
}

/// One line: each limit, unlimited or its size and the share used.
fn rlimits_line(l: &Rlimits, out: &Output) -> String {
    let part = |name: &str, size: Option<u64>, used: Option<f64>| {
        let size = size.map_or("unlimited".into(), |b| memlens_present::bytes(b, out.units));
        match used {
            Some(u) => format!("{name} {size} ({:.0}% used)", u * 100.0),
            None => format!("{name} {size}"),
        }
    };
    format!(
        "limits: {}, {}, {}, {}\n",
        part("address space", l.limit_as, l.limit_as_used),
        part("data", l.limit_data, l.limit_data_used),
        part("stack", l.limit_stack, None),
        part("locked memory", l.limit_memlock, l.limit_memlock_used)
    )
}

/// The limits of the process, when its `limits` file was read.
fn rlimits(p: &memlens_model::ProcessSample) -> Option<Rlimits> {
    p.limits
        .as_ref()
        .map(|l| Rlimits::of(l, &p.status.counters))
}

pub fn run(root: &Root, args: &MapsArgs, out: &Output) -> Outcome {
    let pid = args.pid;
    // Collect: this one process, with its smaps.
    let snap = collect(
        root,
        &Plan {
            processes: Some(ScanOptions {
                smaps: true,
                rollup: true,
                cmdline: true,
                limits: true,
                pids: Some(vec![pid]),
                timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
                ..Default::default()
            }),
            ..Plan::NOTHING
        },
    );
    let p = match scanned::one(&snap, root, pid)? {
        One::KernelThread(name) if out.format == Format::Table => {
            print(&format!(
                "{pid}: [{name}] is a kernel thread: it has no user address space, so no mappings\n"
            ));
            return Ok(0);
        }
        One::KernelThread(_) => return Err(Failure::no_process(root, pid)),
        One::Process(p) => p,
    };
    let smaps = root.origin(&format!("proc/{pid}/smaps"));
    if let Some(f) = scanned::file_problem(
        p,
        "smaps",
        &format!(
            "{}: permission denied: another user's mappings are readable by root only; run memlens maps as root",
            smaps.display()
        ),
    ) {
        return Err(f);
    }
    let Some(maps) = &p.mappings else {
        return Err(Failure::refused(format!(
            "{}: this snapshot file holds no mappings (take one with capture --file FILE --smaps)",
            smaps.display()
        )));
    };
    let command = p.command();
    // Without smaps_rollup (before 4.14) there is nothing to check the sum against.
    let rollup = p.rollup.clone().filter(|_| !p.rollup_from_smaps);
    if let Some(why) = p
        .problems
        .iter()
        .find(|f| f.file == "smaps_rollup")
        .and_then(|f| f.detail.as_deref())
    {
        crate::output::warn(&format!("no check against smaps_rollup: {why}"));
    }
    // Analyse.
    let totals = maps_analysis::total(maps);
    let rollup_check = rollup.map(|r| maps_analysis::check(&r, &totals));
    let groups = args.by.map(|by| match by {
        MapsBy::Kind => maps_analysis::group(maps, |m| m.kind.as_str().to_string()),
        MapsBy::Path => maps_analysis::group(maps, |m| {
            if m.path.is_empty() {
                "[anon]".to_string()
            } else {
                m.path.clone()
            }
        }),
    });
    // Render.
    match out.format {
        Format::Json => print_json(&MapsJson {
            pid,
            command,
            mappings: groups.is_none().then(|| maps.iter().map(map_row).collect()),
            groups: groups.as_deref(),
            totals,
            rollup_check,
            rlimits: rlimits(p),
        }),
        Format::Csv => {
            let t = match &groups {
                Some(g) => {
                    let mut t = group_table(g, &totals);
                    t.add_json_keys_lifting(g, &["counters"]);
                    t
                }
                None => {
                    let mut t = mapping_table(maps, &totals);
                    t.add_json_keys(&maps.iter().map(map_row).collect::<Vec<_>>());
                    t
                }
            };
            print(&t.csv())
        }
        Format::Table => {
            let mut text = format!("{pid}: {command}\n");
            text.push_str(&out.table(&match &groups {
                Some(g) => group_table(g, &totals),
                None => mapping_table(maps, &totals),
            }));
            if let Some(l) = rlimits(p) {
                text.push_str(&rlimits_line(&l, out));
            }
            if let Some(c) = &rollup_check {
                text.push_str(&format!(
                    "smaps_rollup: RSS {} PSS {} — {}\n",
                    memlens_present::bytes(c.rollup_rss.unwrap_or(0), out.units),
                    memlens_present::bytes(c.rollup_pss.unwrap_or(0), out.units),
                    if c.agrees {
                        "the mappings add up to it (PSS within the kernel's rounding of each mapping to whole kB)"
                    } else {
                        "differs from the sum of the mappings (read a moment apart: the process, or who shares its pages, changed in between)"
                    }
                ));
            }
            print(&text);
        }
    }
    Ok(0)
}

/// The counter columns (headers from the catalogue's mapping figures).
const COUNTER_COLUMNS: [&str; 10] = [
    "rss",
    "pss",
    "shared_clean",
    "shared_dirty",
    "private_clean",
    "private_dirty",
    "swap",
    "swap_pss",
    "anon_huge_pages",
    "locked",
];

/// The counter columns; a narrow terminal keeps RSS and PSS longest.
fn counter_columns() -> impl Iterator<Item = Column> {
    COUNTER_COLUMNS.iter().map(|k| {
        let p = match *k {
            "pss" => 7,
            "rss" => 6,
            "private_dirty" => 5,
            "swap" => 4,
            "private_clean" | "shared_clean" | "shared_dirty" => 3,
            _ => 2,
        };
        right(Scope::Mapping, k).priority(p)
    })
}

fn counter_cells(c: &SmapsCounters) -> impl Iterator<Item = Cell> + '_ {
    COUNTER_COLUMNS.iter().map(move |k| {
        let kernel = match *k {
            "rss" => "Rss",
            "pss" => "Pss",
            "shared_clean" => "Shared_Clean",
            "shared_dirty" => "Shared_Dirty",
            "private_clean" => "Private_Clean",
            "private_dirty" => "Private_Dirty",
            "swap" => "Swap",
            "swap_pss" => "SwapPss",
            "anon_huge_pages" => "AnonHugePages",
            _ => "Locked",
        };
        Cell::Bytes(c.get(kernel))
    })
}

fn mapping_table(maps: &[Mapping], totals: &MapGroup) -> Table {
    let m = Scope::Mapping;
    let mut cols = vec![
        left(m, "start").fixed().priority(3),
        left(m, "end").fixed().priority(2),
        left(m, "perms").fixed().priority(6),
        right(m, "offset").priority(1),
        left(m, "kind").fixed().priority(9),
        right(m, "size").priority(8),
    ];
    cols.extend(counter_columns());
    cols.push(left(m, "path").id());
    let mut t = Table::new(cols);
    for m in maps {
        let mut cells: Vec<Cell> = vec![
            format!("{:x}", m.start).into(),
            format!("{:x}", m.end).into(),
            m.perms.as_str().into(),
            format!("{:x}", m.offset).into(),
            m.kind.as_str().into(),
            Cell::Bytes(Some(m.size())),
        ];
        cells.extend(counter_cells(&m.counters));
        cells.push(m.path.as_str().into());
        t.rows.push(cells);
    }
    let mut cells: Vec<Cell> = vec![
        "".into(),
        "".into(),
        "".into(),
        "".into(),
        "".into(),
        Cell::Bytes(Some(totals.size)),
    ];
    cells.extend(counter_cells(&totals.counters));
    cells.push(
        format!(
            "total of {}",
            count(totals.mappings as u64, "mapping", "mappings")
        )
        .into(),
    );
    t.footer.push(cells);
    t
}

fn group_table(groups: &[MapGroup], totals: &MapGroup) -> Table {
    let mut cols = vec![
        right(Scope::Mapping, "mappings"),
        right(Scope::Mapping, "size"),
    ];
    cols.extend(counter_columns());
    cols.push(left(Scope::Mapping, "key").id());
    let mut t = Table::new(cols);
    let line = |g: &MapGroup| {
        let mut cells = vec![
            Cell::Int(Some(g.mappings as i64)),
            Cell::Bytes(Some(g.size)),
        ];
        cells.extend(counter_cells(&g.counters));
        cells.push(g.key.as_str().into());
        cells
    };
    for g in groups {
        t.rows.push(line(g));
    }
    t.footer.push(line(totals));
    t
}
