//! Parsing smaps_rollup and meminfo allocates nothing, status one string (the comm):
//! counted with a global allocator. One test in this binary, so no other thread allocates.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use memlens_sources::{meminfo, smaps, status};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn count<T>(f: impl FnOnce() -> T) -> usize {
    let before = ALLOCS.load(Ordering::SeqCst);
    let v = f();
    let n = ALLOCS.load(Ordering::SeqCst) - before;
    drop(v);
    n
}

#[test]
fn hot_parsers_do_not_allocate_per_field() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/vm-6.18-hybrid/proc/"
    );
    let rollup = std::fs::read(format!("{dir}15506/smaps_rollup")).unwrap();
    let mi = std::fs::read(format!("{dir}meminfo")).unwrap();
    let st = std::fs::read(format!("{dir}15506/status")).unwrap();
    assert_eq!(count(|| smaps::parse_rollup(&rollup).unwrap()), 0);
    assert_eq!(count(|| meminfo::parse(&mi).unwrap()), 0);
    assert_eq!(
        count(|| status::parse(&st).unwrap()),
        1,
        "only the comm string"
    );
}
