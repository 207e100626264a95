//! `memlens swap` against the kernel: a zram device and a swap file set up by the test, a
//! lab process pushed into swap by a memory cgroup, and every figure compared with
//! `/proc/swaps`, zram's `mm_stat`, the process's `VmSwap` and vmstat's `nr_zspages`.
//! Skipped with a message where swapon is not permitted (not root, no zram, a container).

mod common;

use std::fs;
use std::process::Command;

use common::*;
use serde_json::Value;

/// zram0 as swap of priority 100 and a 64 MiB swap file of priority 5, undone on drop.
struct Swaps {
    file: std::path::PathBuf,
}

fn ok(cmd: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .status()
        .is_ok_and(|s| s.success())
}

impl Swaps {
    fn set_up() -> Result<Swaps, String> {
        if !is_root() {
            return Err("not root".into());
        }
        if !fs::read_to_string("/proc/swaps")
            .map_err(|e| e.to_string())?
            .lines()
            .skip(1)
            .all(|l| l.trim().is_empty())
        {
            return Err("this machine already swaps: its devices would blur the test".into());
        }
        let disksize = fs::read_to_string("/sys/block/zram0/disksize")
            .map_err(|_| "no zram0 (modprobe zram)".to_string())?;
        if disksize.trim() != "0" {
            return Err("zram0 is already set up".into());
        }
        let file = std::env::temp_dir().join(format!("memlens-swapfile-{}", std::process::id()));
        let s = Swaps { file };
        let f = s.file.display();
        if !ok("echo 64M > /sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null && swapon -p 100 /dev/zram0")
            || !ok(&format!("dd if=/dev/zero of={f} bs=1M count=64 status=none && chmod 600 {f} && mkswap {f} >/dev/null && swapon -p 5 {f}"))
        {
            return Err("swapon is not permitted here".into());
        }
        Ok(s)
    }
}

impl Drop for Swaps {
    fn drop(&mut self) {
        let f = self.file.display();
        let _ = ok(&format!("swapoff {f}; rm -f {f}"));
        let _ = ok("swapoff /dev/zram0; echo 1 > /sys/block/zram0/reset");
    }
}

fn swaps_file() -> Vec<(String, String, i64, i64, i64)> {
    fs::read_to_string("/proc/swaps")
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let n = |i: usize| f[i].parse::<i64>().unwrap();
            (
                f[0].to_string(),
                f[1].to_string(),
                n(2) * 1024,
                n(3) * 1024,
                n(4),
            )
        })
        .collect()
}

fn device_rows(j: &Value) -> Vec<(String, String, i64, i64, i64)> {
    j["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["filename"].as_str().unwrap().to_string(),
                d["kind"].as_str().unwrap().to_string(),
                int(d, "size"),
                int(d, "used"),
                int(d, "priority"),
            )
        })
        .collect()
}

#[test]
fn swap_devices_zram_and_swapped_processes_agree_with_the_kernel() {
    let swaps = match Swaps::set_up() {
        Ok(s) => s,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let Some(mut group) = TestGroup::new("memlens-swap-test", 32 << 20) else {
        eprintln!("skipped: no memory cgroup to push a process into swap");
        return;
    };
    // 48 MiB in a 32 MiB group: at least 16 MiB goes to swap, zram first.
    group.run_lab("leak --count 6 --size 8M");
    let pid = group.child.as_ref().unwrap().id();
    agree_within_tries(5, || {
        let j = memlens(&["swap", "--json"]).json();
        let file = swaps_file();
        if device_rows(&j) != file {
            return Err(format!(
                "devices {:?} vs /proc/swaps {file:?}",
                device_rows(&j)
            ));
        }
        // Priority 100 first, the file after; zram0 is named as such.
        let d = j["devices"].as_array().unwrap();
        assert_eq!(
            (d[0]["zram"].as_str(), int(&d[0], "turn")),
            (Some("zram0"), 1)
        );
        assert_eq!(int(&d[1], "turn"), 2);
        assert_eq!(d[1]["kind"], "file");
        assert_eq!(
            int(&d[1], "size"),
            (64 << 20) - 4096,
            "a swap file's first page is its header"
        );
        let used = int(&d[0], "used");
        if used < 16 << 20 {
            return Err(format!("only {used} bytes in zram0"));
        }
        // zram's own account of it.
        let mm: Vec<i64> = fs::read_to_string("/sys/block/zram0/mm_stat")
            .unwrap()
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect();
        let z = &j["zram"][0];
        near("orig_data_size", int(z, "orig_data_size"), mm[0], 0)?;
        near("compr_data_size", int(z, "compr_data_size"), mm[1], 0)?;
        near("mem_used_total", int(z, "mem_used_total"), mm[2], 0)?;
        assert_eq!(z["used_as_swap"], true);
        // The lab process is the top one, with its VmSwap.
        let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let top = &j["top"][0];
        assert_eq!(int(top, "pid"), pid as i64, "{}", j["top"]);
        near(
            "VmSwap",
            int(top, "swap"),
            kb_field(&status, "VmSwap").unwrap(),
            0,
        )?;
        Ok(())
    });
    // The pool zram takes is the where tree's compressed swap pools, to the page.
    agree_within_tries(5, || {
        let w = memlens(&["where", "--json"]).json();
        let vmstat = fs::read_to_string("/proc/vmstat").unwrap();
        let pages: i64 = vmstat
            .lines()
            .find_map(|l| l.strip_prefix("nr_zspages "))
            .unwrap()
            .parse()
            .unwrap();
        let zs = where_bytes(&w["tree"], "zspages");
        near("zspages", zs, pages * 4096, 0)
    });
    // Rates over an interval: the counters exist and are not negative.
    let j = memlens(&["swap", "--json", "--interval", "200ms"]).json();
    assert!(j["traffic"]["interval"].as_f64().unwrap() > 0.15);
    drop(group);
    // The doctor says nothing of zram before the file, and names a file put at zram's
    // priority (round-robin between RAM and disk).
    let ids = || {
        let r = memlens(&["doctor", "--json", "--sample", "100ms"]);
        let j: Value = serde_json::from_str(&r.stdout).unwrap();
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(
        !ids().iter().any(|i| i.starts_with("swap_zram")),
        "{:?}",
        ids()
    );
    let f = swaps.file.display();
    assert!(ok(&format!("swapoff {f} && swapon -p 100 {f}")));
    assert!(
        ids().contains(&"swap_zram_round_robin".to_string()),
        "{:?}",
        ids()
    );
    drop(swaps);
}

#[test]
fn swap_on_captures_and_refusals() {
    // The fixture has no swap: an empty device list, and the totals of its meminfo.
    let root = fixtures().join("vm-6.18-hybrid");
    let r = memlens(&["--root", root.to_str().unwrap(), "swap", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    assert_eq!(j["devices"].as_array().unwrap().len(), 0);
    assert_eq!(int(&j, "total"), 0);
    let r = memlens(&["--root", root.to_str().unwrap(), "swap", "--interval", "1s"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("live machine"), "{}", r.stderr);
    let r = memlens(&["swap", "--interval", "0s"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}
