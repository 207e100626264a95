//! `memlens ipc`: SysV shared memory, semaphores and message queues, POSIX shared memory
//! and the IPC limits.

use crate::failure::Outcome;
use memlens_analysis::ipc::{report, Inputs, IpcReport};
use memlens_catalogue::Scope;
use memlens_model::Sysctls;
use memlens_present::{bytes, Cell, Column, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::Root;

use crate::output::{print, print_json, Format, Output};
use crate::render::{left, right};

/// The IPC limits this view shows, under `proc/sys/kernel`.
const LIMITS: &[&str] = &[
    "shmmax", "shmall", "shmmni", "msgmax", "msgmnb", "msgmni", "sem",
];

fn segments_table(r: &IpcReport) -> Table {
    let mut t = Table::new(vec![
        left(Scope::Ipc, "key_hex"),
        right(Scope::Ipc, "shmid"),
        left(Scope::Ipc, "owner"),
        right(Scope::Ipc, "perms"),
        right(Scope::Ipc, "size"),
        right(Scope::Ipc, "rss"),
        right(Scope::Ipc, "swap"),
        right(Scope::Ipc, "nattch"),
        right(Scope::Ipc, "cpid"),
        right(Scope::Ipc, "lpid"),
        // Not a figure: dest and locked, as words.
        Column::left("STATUS", "status"),
    ]);
    for s in r.segments.iter().flatten() {
        let status: Vec<&str> = [(s.dest, "dest"), (s.locked, "locked")]
            .iter()
            .filter(|(b, _)| *b)
            .map(|(_, n)| *n)
            .collect();
        t.rows.push(vec![
            s.key_hex.as_str().into(),
            Cell::Int(Some(s.shmid as i64)),
            s.owner.as_str().into(),
            s.perms.as_str().into(),
            Cell::Bytes(Some(s.size)),
            Cell::Bytes(s.rss),
            Cell::Bytes(s.swap),
            Cell::Int(Some(s.nattch as i64)),
            Cell::Int(Some(s.cpid as i64)),
            Cell::Int(Some(s.lpid as i64)),
            status.join(",").into(),
        ]);
    }
    t
}

fn posix_table(r: &IpcReport) -> Table {
    let mut t = Table::new(vec![
        right(Scope::Ipc, "size"),
        right(Scope::Ipc, "allocated"),
        left(Scope::Ipc, "owner"),
        right(Scope::Ipc, "perms"),
        left(Scope::Ipc, "name"),
    ]);
    for f in &r.posix_shm.files {
        t.rows.push(vec![
            Cell::Bytes(Some(f.size)),
            Cell::Bytes(Some(f.allocated)),
            f.owner.as_str().into(),
            f.perms.as_str().into(),
            f.name.as_str().into(),
        ]);
    }
    t
}

pub fn run(root: &Root, out: &Output) -> Outcome {
    let snap = collect(
        root,
        &Plan {
            ipc: true,
            sysctl_kernel: true,
            meminfo: true,
            users: true,
            ..Plan::NOTHING
        },
    );
    let ipc = snap.ipc.get("ipc")?;
    let limits = snap.sysctl_kernel.get("kernel sysctls")?;
    // In the order the view shows them.
    let sysctls = Sysctls(
        LIMITS
            .iter()
            .filter_map(|n| Some((n.to_string(), limits.values.get(n)?.to_string())))
            .collect(),
    );
    let mi = snap.meminfo.get("meminfo")?;
    let users = crate::output::user_names(&snap);
    let r = report(
        &Inputs {
            shm: ipc.shm.as_deref(),
            sem: ipc.sem.as_deref(),
            msg: ipc.msg.as_deref(),
            posix: ipc.posix_shm.as_deref(),
            capture: !root.is_live(),
            sysctls: &sysctls,
            page_size: snap.meta.page_size,
            meminfo_shmem: mi.shmem,
        },
        |u| users.name(u),
    );
    match out.format {
        Format::Json => print_json(&r),
        Format::Csv => {
            // STATUS sums up `dest` and `locked`, which CSV has as the JSON's own keys.
            let mut t = segments_table(&r);
            t.remove_column("status");
            let rows: Vec<_> = r.segments.iter().flatten().collect();
            t.add_json_keys(&rows);
            print(&t.csv())
        }
        Format::Table => print(&text(&r, out)),
    }
    Ok(0)
}

fn text(r: &IpcReport, out: &Output) -> String {
    let u = out.units;
    let b = |v: Option<u64>| v.map_or("-".to_string(), |v| bytes(v, u));
    let n = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
    let mut s = String::new();
    match &r.segments {
        None => s.push_str(
            "SysV shared memory: no /proc/sysvipc/shm (kernel without CONFIG_SYSVIPC, or not captured)\n",
        ),
        Some(v) if v.is_empty() => s.push_str("SysV shared memory: no segments\n"),
        Some(_) => {
            s.push_str("SysV shared memory segments (/proc/sysvipc/shm):\n");
            s.push_str(&out.table(&segments_table(r)));
            let t = &r.segments_total;
            s.push_str(&format!(
                "{}: size {}, resident {}, swapped {}\n",
                crate::output::count(t.segments as u64, "segment", "segments"),
                bytes(t.size, u),
                b(t.rss),
                b(t.swap)
            ));
        }
    }
    s.push_str(&format!(
        "Semaphore sets: {} ({} semaphores); message queues: {} ({} messages, {})\n",
        r.semaphore_sets.map_or("-".into(), |v| v.to_string()),
        n(r.semaphores),
        r.message_queues.map_or("-".into(), |v| v.to_string()),
        n(r.messages),
        b(r.message_bytes),
    ));
    s.push('\n');
    let p = &r.posix_shm;
    match p.status {
        "listed" if p.files.is_empty() => s.push_str("POSIX shared memory (/dev/shm): no files\n"),
        "listed" => {
            s.push_str(&format!(
                "POSIX shared memory (/dev/shm): {}, size {}, allocated {}\n",
                crate::output::count(p.files.len() as u64, "file", "files"),
                bytes(p.size, u),
                bytes(p.allocated, u)
            ));
            s.push_str(&out.table(&posix_table(r)));
        }
        "not_captured" => s.push_str(
            "POSIX shared memory (/dev/shm): not captured (a capture does not copy dev/shm)\n",
        ),
        _ => s.push_str("POSIX shared memory: no /dev/shm on this machine\n"),
    }
    s.push_str(&format!(
        "meminfo Shmem (all of these, plus other tmpfs and shared anonymous memory): {}\n\n",
        b(r.meminfo_shmem)
    ));
    let l = &r.limits;
    if *l == Default::default() {
        s.push_str("Limits: no kernel.shm*, msg* or sem under proc/sys/kernel\n");
        return s;
    }
    s.push_str(&format!(
        "Limits: shmmax {} per segment, shmall {} pages ({}) in all, shmmni {} segments\n",
        b(l.shmmax),
        n(l.shmall_pages),
        b(l.shmall),
        n(l.shmmni)
    ));
    s.push_str(&format!(
        "        msgmax {} per message, msgmnb {} per queue, msgmni {} queues\n",
        b(l.msgmax),
        b(l.msgmnb),
        n(l.msgmni)
    ));
    s.push_str(&format!(
        "        sem: {} per set, {} in all, {} ops per semop, {} sets\n",
        n(l.semmsl),
        n(l.semmns),
        n(l.semopm),
        n(l.semmni)
    ));
    s
}
