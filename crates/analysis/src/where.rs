//! `memlens where`: the whole of RAM accounted, as a tree whose every level sums exactly
//! to its parent. Installed RAM splits into holes, what was reserved before the kernel
//! managed any memory (struct pages, the kernel image, the crash kernel, the rest) and
//! MemTotal; MemTotal splits into free memory, every consumer a kernel counter names, and
//! the remainder no counter explains, named *unaccounted*.
//!
//! Each node is a figure of the catalogue (scope `where`), says which command shows it in
//! detail and whether it is an estimate. "Of which" details (dirty pages, mapped pages)
//! overlap their siblings and are not summed.

use memlens_model::{MemInfo, ReadFailure, ShmemMount, Snapshot};
use serde::Serialize;

/// One part of memory: its size, its parts (which sum to it exactly), and what else is
/// known of it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Node {
    /// The catalogue key (scope `where`).
    pub key: &'static str,
    /// Bytes; only a remainder (`unaccounted`, `other_reserved`...) can be negative, when
    /// the counters it is left from overlap.
    pub bytes: i64,
    /// The memlens command that shows this part in detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<&'static str>,
    /// Computed from counters that only approximate it (the note says how).
    pub estimate: bool,
    /// Not known from this snapshot (counted as 0; the note says what it needs).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unknown: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Figures within this part that overlap each other: not summed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub of_which: Vec<Detail>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Node>,
}

/// A figure within a part ("of which dirty").
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Detail {
    pub key: &'static str,
    pub bytes: u64,
}

/// The tree, from the largest whole the snapshot tells of.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Where {
    /// Where the top figure came from: `memory blocks`, `firmware memory map`, `zone
    /// present pages` or `MemTotal`.
    pub installed_from: &'static str,
    pub tree: Node,
}

fn node(key: &'static str, bytes: i64) -> Node {
    Node {
        key,
        bytes,
        command: None,
        estimate: false,
        unknown: false,
        note: None,
        of_which: Vec::new(),
        parts: Vec::new(),
    }
}

impl Node {
    fn command(mut self, c: &'static str) -> Node {
        self.command = Some(c);
        self
    }
    fn estimate(mut self, why: impl Into<String>) -> Node {
        self.estimate = true;
        self.note = Some(why.into());
        self
    }
    fn unknown(mut self, why: impl Into<String>) -> Node {
        self.unknown = true;
        self.note = Some(why.into());
        self
    }
    fn note(mut self, n: impl Into<String>) -> Node {
        self.note = Some(n.into());
        self
    }
    fn of_which(mut self, key: &'static str, bytes: Option<u64>) -> Node {
        if let Some(bytes) = bytes {
            self.of_which.push(Detail { key, bytes });
        }
        self
    }
    /// This node with these parts and a last part, `rest`, holding what they leave.
    fn split(mut self, parts: Vec<Node>, rest: Node) -> Node {
        let sum: i64 = parts.iter().map(|p| p.bytes).sum();
        self.parts = parts;
        self.parts.push(Node {
            bytes: self.bytes - sum,
            ..rest
        });
        self
    }
    /// A node that is the sum of its parts.
    fn sum_of(key: &'static str, parts: Vec<Node>) -> Node {
        Node {
            bytes: parts.iter().map(|p| p.bytes).sum(),
            parts,
            ..node(key, 0)
        }
    }

    /// The node with this key, anywhere below (or at) this one.
    pub fn find(&self, key: &str) -> Option<&Node> {
        if self.key == key {
            return Some(self);
        }
        self.parts.iter().find_map(|p| p.find(key))
    }
}

fn b(v: Option<u64>) -> i64 {
    v.unwrap_or(0) as i64
}

/// Bytes the kernel image takes, from the `Kernel *` ranges of `/proc/iomem`.
const KERNEL_RANGES: &[&str] = &["Kernel code", "Kernel rodata", "Kernel data", "Kernel bss"];

/// The parts of a snapshot the tree uses when it has them. A file that is missing (an
/// older kernel), denied (not root) or not collected leaves its figure out; one that was
/// read but is garbled is an error, not a quiet fallback on a cruder figure.
struct Parts<'a> {
    vmstat: Option<&'a memlens_model::VmStat>,
    zoneinfo: Option<&'a memlens_model::ZoneInfo>,
    physical: Option<&'a memlens_model::Physical>,
    shmem_mounts: Option<&'a Vec<memlens_model::ShmemMount>>,
    ipc: Option<&'a memlens_model::snapshot::Ipc>,
}

impl<'a> Parts<'a> {
    fn of(s: &'a Snapshot) -> Result<Parts<'a>, ReadFailure> {
        Ok(Parts {
            vmstat: s.vmstat.if_read("vmstat")?,
            zoneinfo: s.zoneinfo.if_read("zoneinfo")?,
            physical: s.physical.if_read("physical memory")?,
            shmem_mounts: s.shmem_mounts.if_read("tmpfs mounts")?,
            ipc: s.ipc.if_read("ipc")?,
        })
    }
}

/// The tree of a snapshot; needs meminfo, and uses zoneinfo, vmstat, the physical part,
/// the shmem mounts and SysV IPC when it has them.
pub fn view(s: &Snapshot) -> Result<Where, ReadFailure> {
    let m = s.meminfo.get("meminfo")?;
    let page = s.meta.page_size.max(1) as i64;
    let s = &Parts::of(s)?;
    let vmstat = s.vmstat;
    let pages = |name: &str| vmstat.and_then(|v| v.get(name)).map(|p| p as i64 * page);
    let memtotal = memtotal(s, m, page, &pages);

    let present = s
        .zoneinfo
        .map(|z| z.zones.iter().filter_map(|z| z.present).sum::<u64>() as i64 * page)
        .filter(|&p| p > 0);
    let Some(present) = present else {
        return Ok(Where {
            installed_from: "MemTotal",
            tree: memtotal,
        });
    };
    let reserved = reserved(s, present, present - memtotal.bytes, page, &pages);
    let physical = s.physical;
    let blocks = physical.and_then(|p| p.blocks.as_ref());
    let firmware_ram = physical.and_then(|p| p.firmware_map.as_ref()).map(|map| {
        map.iter()
            .filter(|r| r.name == "System RAM")
            .map(|r| r.len())
            .sum::<u64>()
    });
    let (installed_from, installed) = match (blocks, firmware_ram) {
        (Some(bl), _) => {
            let online = (bl.online * bl.block_size) as i64;
            let offline = ((bl.offline + bl.other) * bl.block_size) as i64;
            let mut parts = vec![
                node("block_holes", online - present).note(
                    "the parts of online memory blocks that are not RAM (firmware areas, the \
                     legacy hole below 1 MiB), less than a block",
                ),
                reserved,
                memtotal,
            ];
            if offline > 0 {
                parts.insert(
                    0,
                    node("offline", offline).note(format!(
                        "{} memory blocks are not online",
                        bl.offline + bl.other
                    )),
                );
            }
            let n = Node::sum_of("installed", parts)
                .note(format!(
                    "{} memory blocks of {} MiB",
                    bl.online + bl.offline + bl.other,
                    bl.block_size >> 20
                ))
                .of_which("firmware_ram", firmware_ram);
            ("memory blocks", n)
        }
        (None, Some(ram)) => (
            "firmware memory map",
            Node::sum_of(
                "installed",
                vec![
                    node("firmware_holes", ram as i64 - present).note(
                        "System RAM of the firmware's map that no zone holds (its first page, \
                         rounding to whole pages)",
                    ),
                    reserved,
                    memtotal,
                ],
            ),
        ),
        (None, None) => (
            "zone present pages",
            Node::sum_of("installed", vec![reserved, memtotal]).note(
                "neither memory blocks nor the firmware's map to read: installed RAM is the pages \
                 the kernel found (holes not counted)",
            ),
        ),
    };
    Ok(Where {
        installed_from,
        tree: installed,
    })
}

/// What was reserved before the kernel managed memory (`bytes`: the `present` bytes of
/// the zones less MemTotal).
fn reserved(
    s: &Parts,
    present: i64,
    bytes: i64,
    page: i64,
    pages: &dyn Fn(&str) -> Option<i64>,
) -> Node {
    let iomem = s.physical.and_then(|p| p.iomem.as_ref());
    let mut parts = Vec::new();
    match pages("nr_memmap_boot_pages") {
        Some(b) => parts.push(node("memmap", b)),
        None => {
            // 64 bytes of struct page per page present, the usual size on 64-bit kernels.
            parts.push(node("memmap", present / page * 64).estimate(
                "64 bytes of struct page per page; the kernel counts it (vmstat \
                 nr_memmap_boot_pages) since Linux 6.11",
            ))
        }
    }
    let ranges = |names: &[&str]| -> Option<i64> {
        iomem.map(|r| {
            r.iter()
                .filter(|r| r.depth == 1 && names.contains(&r.name.as_str()))
                .map(|r| r.len() as i64)
                .sum()
        })
    };
    let needs_root = "needs /proc/iomem, whose addresses only root sees";
    parts.push(match ranges(KERNEL_RANGES) {
        Some(b) => node("kernel_image", b),
        None => node("kernel_image", 0).unknown(needs_root),
    });
    parts.push(match ranges(&["Crash kernel"]) {
        Some(b) => node("crash_kernel", b),
        None => node("crash_kernel", 0).unknown(needs_root),
    });
    node("reserved", bytes).split(
        parts,
        node("other_reserved", 0).note(
            "firmware tables, early page tables, the first per-CPU chunk, swiotlb buffers and \
         other memblock reservations",
        ),
    )
}

/// MemTotal and everything in it.
fn memtotal(s: &Parts, m: &MemInfo, page: i64, pages: &dyn Fn(&str) -> Option<i64>) -> Node {
    let total = b(m.mem_total);
    let pcp = s.zoneinfo.and_then(|z| {
        z.zones
            .iter()
            .filter_map(|z| z.pcp_count)
            .reduce(|a, b| a + b)
    });
    let free = match pcp {
        Some(p) => Node::sum_of(
            "free",
            vec![
                node("mem_free", b(m.mem_free)),
                node("pcp_free", p as i64 * page),
            ],
        ),
        None => node("free", b(m.mem_free)),
    };
    let mut parts = vec![free.command("sys")];
    parts.push(
        Node::sum_of(
            "anon",
            vec![
                node("anon_mapped", b(m.anon_pages)).command("ps"),
                node("swap_cached", b(m.swap_cached)).command("swap"),
            ],
        )
        .of_which("anon_huge_pages", m.anon_huge_pages),
    );
    let shmem = b(m.shmem);
    parts.push(
        Node::sum_of(
            "page_cache",
            vec![
                node("file_pages", b(m.cached) - shmem).command("cache"),
                node("buffers", b(m.buffers)),
            ],
        )
        .of_which("dirty", m.dirty)
        .of_which("writeback", m.writeback)
        .of_which("mapped", m.mapped),
    );
    parts.push(shmem_node(s, shmem));
    parts.push(
        Node::sum_of(
            "slab",
            vec![
                node("slab_reclaimable", b(m.s_reclaimable)),
                node("slab_unreclaimable", b(m.s_unreclaim)),
            ],
        )
        .command("slab"),
    );
    let stacks = b(m.kernel_stack);
    parts.push(node("kernel_stack", stacks));
    parts.push(
        node("page_tables", b(m.page_tables) + b(m.sec_page_tables))
            .of_which("secondary_page_tables", m.sec_page_tables),
    );
    let vmalloc = b(m.vmalloc_used);
    parts.push(node("vmalloc", (vmalloc - stacks).max(0)).estimate(
        "VmallocUsed less KernelStack: thread stacks are vmalloc'd (CONFIG_VMAP_STACK, the \
         default on x86-64 and arm64) and counted in both",
    ));
    parts.push(node("percpu", b(m.percpu)));
    let hugetlb = m
        .hugetlb
        .map(|h| h as i64)
        .unwrap_or_else(|| b(m.huge_pages_total) * b(m.hugepagesize));
    parts.push(node("hugetlb", hugetlb).command("huge"));
    if let Some(z) = pages("nr_zspages") {
        parts.push(
            node("zspages", z)
                .command("swap")
                .of_which("zswap", m.zswap),
        );
    }
    let misc = b(m.k_reclaimable) - b(m.s_reclaimable);
    let mut other = vec![node("kernel_misc_reclaimable", misc.max(0))];
    for (key, field) in [
        ("iommu_pages", "nr_iommu_pages"),
        ("memmap_hotplug", "nr_memmap_pages"),
    ] {
        if let Some(v) = pages(field) {
            other.push(node(key, v));
        }
    }
    if let Some(u) = m.unaccepted {
        other.push(node("unaccepted", u as i64));
    }
    parts.push(Node::sum_of("other_kernel", other));
    node("memtotal", total).command("sys").split(
        parts,
        node("unaccounted", 0)
            .note(
                "memory no kernel counter names: pages drivers took straight from the page \
                 allocator (network buffers, GPU memory, virtio rings), pages in flight between \
                 lists, and the balloon where its driver leaves MemTotal as it is",
            )
            .of_which("balloon", m.balloon),
    )
}

/// Shmem: tmpfs files, SysV segments, and the rest (shared anonymous memory, memfd).
fn shmem_node(s: &Parts, shmem: i64) -> Node {
    let sysv: Option<i64> = s
        .ipc
        .and_then(|i| i.shm.as_ref())
        .map(|segs| segs.iter().map(|g| b(g.rss)).sum());
    let tmpfs = s.shmem_mounts.map(|m| tmpfs_used(m));
    let mut parts = Vec::new();
    let sysv_b = sysv.unwrap_or(0);
    match tmpfs {
        Some((used, unknown, hidden)) => {
            let room = (shmem - sysv_b).max(0);
            let mut n = node("tmpfs", used.min(room)).command("where --shmem");
            if used > room {
                n = n.estimate(format!(
                    "tmpfs counts its pages in swap too: {} bytes of its files are not in RAM",
                    used - room
                ));
            } else if unknown + hidden > 0 {
                let mut why = Vec::new();
                if unknown > 0 {
                    why.push(format!(
                        "{unknown} without a size limit (statfs does not tell their use)"
                    ));
                }
                if hidden > 0 {
                    why.push(format!("{hidden} hidden under a later mount"));
                }
                n = n.note(format!(
                    "mounts not measured, so under other shmem: {}",
                    why.join("; ")
                ));
            }
            parts.push(n);
        }
        None => parts.push(
            node("tmpfs", 0)
                .unknown("the tmpfs mounts were not measured (statfs): counted under other_shmem"),
        ),
    }
    parts.push(match sysv {
        Some(v) => node("sysv_shm", v).command("ipc"),
        None => node("sysv_shm", 0).unknown("no /proc/sysvipc/shm: counted under other_shmem"),
    });
    node("shmem", shmem).command("ipc").split(
        parts,
        node("other_shmem", 0).note(
            "shared anonymous mappings (mmap MAP_SHARED|MAP_ANONYMOUS), memfd files, and tmpfs \
             mounts memlens cannot measure (other mount namespaces, no size limit)",
        ),
    )
}

/// Bytes used on the measurable tmpfs and devtmpfs mounts, each file system once, and how
/// many could not be measured (no size limit; hidden).
fn tmpfs_used(mounts: &[ShmemMount]) -> (i64, usize, usize) {
    let mut seen: Vec<&str> = Vec::new();
    let (mut used, mut unknown) = (0i64, 0usize);
    let hidden = mounts.iter().filter(|m| m.hidden).count();
    for m in mounts.iter().filter(|m| !m.hidden) {
        if seen.contains(&m.device.as_str()) {
            continue;
        }
        seen.push(&m.device);
        match m.used {
            Some(u) => used += u as i64,
            None => unknown += 1,
        }
    }
    (used, unknown, hidden)
}
/// A process mapping a shared memory object, and what of the object it holds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ShmemHolder {
    pub pid: u32,
    pub command: String,
    /// The object's pages this process maps (all its mappings of the object).
    pub rss: u64,
    /// Its share of them: each page divided among the processes mapping it.
    pub pss: u64,
    pub swap: u64,
}

/// One shared memory object that processes map: a SysV segment, a memfd, a POSIX shared
/// memory file, another tmpfs file, or a region of shared anonymous memory (one per
/// `mmap`, shared with the children forked after it).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ShmemObject {
    /// The path `/proc/PID/maps` shows (`/SYSV0000abcd (deleted)`, `/memfd:NAME (deleted)`,
    /// `/dev/zero (deleted)`, `/dev/shm/NAME`...).
    pub path: String,
    /// `sysv`, `memfd`, `posix`, `shared_anon` or `tmpfs`.
    pub kind: &'static str,
    pub inode: u64,
    /// The sum of the holders' PSS: the object's pages that are mapped, each once.
    pub mapped: u64,
    pub swap: u64,
    /// The processes mapping it, largest share first.
    pub holders: Vec<ShmemHolder>,
}

fn shmem_kind(path: &str) -> &'static str {
    if path.starts_with("/SYSV") {
        "sysv"
    } else if path.starts_with("/memfd:") {
        "memfd"
    } else if path.starts_with("/dev/zero") || path.starts_with("[anon_shmem") {
        "shared_anon"
    } else if path.starts_with("/dev/shm/") {
        "posix"
    } else {
        "tmpfs"
    }
}

/// The shared memory objects the processes of a snapshot map (read with their `smaps`),
/// largest first, each with its holders. Processes whose mappings were not read are left
/// out (the caller says how many).
pub fn shmem_holders(s: &Snapshot) -> Result<Vec<ShmemObject>, ReadFailure> {
    let scan = s.processes.get("processes")?;
    let mut objects: std::collections::BTreeMap<(String, u64, String), ShmemObject> =
        std::collections::BTreeMap::new();
    for p in &scan.processes {
        let Some(maps) = &p.mappings else {
            continue;
        };
        let command = p.command();
        for m in maps
            .iter()
            .filter(|m| m.kind == memlens_model::MappingKind::Shmem)
        {
            let c = &m.counters;
            let o = objects
                .entry((m.dev.clone(), m.inode, m.path.clone()))
                .or_insert_with(|| ShmemObject {
                    path: m.path.clone(),
                    kind: shmem_kind(&m.path),
                    inode: m.inode,
                    mapped: 0,
                    swap: 0,
                    holders: Vec::new(),
                });
            let (rss, pss, swap) = (
                c.rss.unwrap_or(0),
                c.pss.unwrap_or(0),
                c.swap_pss.or(c.swap).unwrap_or(0),
            );
            o.mapped += pss;
            o.swap += swap;
            match o.holders.iter_mut().find(|h| h.pid == p.pid) {
                Some(h) => {
                    h.rss += rss;
                    h.pss += pss;
                    h.swap += swap;
                }
                None => o.holders.push(ShmemHolder {
                    pid: p.pid,
                    command: command.clone(),
                    rss,
                    pss,
                    swap,
                }),
            }
        }
    }
    let mut out: Vec<ShmemObject> = objects.into_values().collect();
    for o in &mut out {
        o.holders
            .sort_by(|a, b| b.pss.cmp(&a.pss).then(a.pid.cmp(&b.pid)));
    }
    out.sort_by(|a, b| b.mapped.cmp(&a.mapped).then_with(|| a.path.cmp(&b.path)));
    Ok(out)
}
