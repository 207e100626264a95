//! Memory regions made with mmap through nix, touched page by page, unmapped on drop.

use std::num::NonZeroUsize;
use std::os::fd::AsFd;
use std::ptr::NonNull;

use nix::sys::mman::{
    madvise, mmap, mmap_anonymous, mprotect, munmap, MapFlags, MmapAdvise, ProtFlags,
};

use crate::LabError;

/// Writes one byte in each page of `start..start+len`.
///
/// # Safety
/// The range must be mapped writable in this process.
pub unsafe fn write_pages(start: usize, len: usize, value: u8, page: usize) {
    let mut off = 0;
    while off < len {
        unsafe { ((start + off) as *mut u8).write_volatile(value) };
        off += page;
    }
}

/// Reads one byte in each page of `start..start+len`, returning their sum.
///
/// # Safety
/// The range must be mapped readable in this process.
pub unsafe fn read_pages(start: usize, len: usize, page: usize) -> u64 {
    let mut sum = 0u64;
    let mut off = 0;
    while off < len {
        sum += unsafe { ((start + off) as *const u8).read_volatile() } as u64;
        off += page;
    }
    sum
}

/// A mapping this process owns.
pub struct Region {
    ptr: NonNull<libc::c_void>,
    len: usize,
    /// Where the part handed out starts (after alignment), and its length.
    start: usize,
    size: usize,
}

fn nonzero(size: u64) -> Result<NonZeroUsize, LabError> {
    usize::try_from(size)
        .ok()
        .and_then(NonZeroUsize::new)
        .ok_or_else(|| LabError(format!("size {size} is zero or too large")))
}

impl Region {
    /// Private or shared anonymous memory, readable and writable, not touched.
    pub fn anon(size: u64, shared: bool) -> Result<Region, LabError> {
        let len = nonzero(size)?;
        let flags = if shared {
            MapFlags::MAP_SHARED
        } else {
            MapFlags::MAP_PRIVATE
        };
        // SAFETY: a fresh anonymous mapping at an address the kernel chooses aliases nothing.
        let ptr = unsafe {
            mmap_anonymous(
                None,
                len,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                flags,
            )
        }
        .map_err(|e| LabError(format!("mmap of {size} bytes refused: {e}")))?;
        Ok(Region {
            ptr,
            len: len.get(),
            start: ptr.as_ptr() as usize,
            size: len.get(),
        })
    }

    /// Private anonymous memory whose start is aligned to `align` (for huge pages).
    pub fn anon_aligned(size: u64, align: u64) -> Result<Region, LabError> {
        let mut r = Region::anon(size + align, false)?;
        let a = align as usize;
        r.start = r.start.div_ceil(a) * a;
        r.size = size as usize;
        Ok(r)
    }

    /// A shared mapping of a file.
    pub fn file_shared(fd: impl AsFd, size: u64) -> Result<Region, LabError> {
        let len = nonzero(size)?;
        // SAFETY: mapping a file this process created and keeps; no Rust reference aliases it.
        let ptr = unsafe {
            mmap(
                None,
                len,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                fd,
                0,
            )
        }
        .map_err(|e| LabError(format!("mmap of the file refused: {e}")))?;
        Ok(Region {
            ptr,
            len: len.get(),
            start: ptr.as_ptr() as usize,
            size: len.get(),
        })
    }

    pub fn start(&self) -> usize {
        self.start
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Writes one byte in each page of the first `bytes` bytes (makes them resident and
    /// private to this process).
    pub fn write_pages(&self, bytes: usize, value: u8, page: usize) {
        // SAFETY: the range lies inside this writable mapping.
        unsafe { write_pages(self.start, bytes.min(self.size), value, page) }
    }

    /// Reads one byte in each page (maps already-resident shared pages into this process).
    pub fn read_pages(&self, page: usize) -> u64 {
        // SAFETY: the range lies inside this readable mapping.
        unsafe { read_pages(self.start, self.size, page) }
    }

    pub fn advise_hugepage(&self) -> Result<(), LabError> {
        let p = NonNull::new(self.start as *mut libc::c_void).expect("non-null");
        // SAFETY: the range lies inside this mapping.
        unsafe { madvise(p, self.size, MmapAdvise::MADV_HUGEPAGE) }
            .map_err(|e| LabError(format!("madvise(MADV_HUGEPAGE) failed: {e}")))
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly what mmap returned; nothing refers to it any more.
        let _ = unsafe { munmap(self.ptr, self.len) };
    }
}

/// A SysV shared memory segment, attached, removed (IPC_RMID) on drop. SysV shm has no
/// safe wrapper in nix or rustix, so this uses libc directly.
pub struct SysvShm {
    id: i32,
    addr: *mut libc::c_void,
    pub size: usize,
}

impl SysvShm {
    pub fn new(size: u64) -> Result<SysvShm, LabError> {
        let size = nonzero(size)?.get();
        // SAFETY: plain system calls; the result is checked.
        let id = unsafe { libc::shmget(libc::IPC_PRIVATE, size, libc::IPC_CREAT | 0o600) };
        if id < 0 {
            return Err(LabError(format!(
                "shmget of {size} bytes failed: {} (see kernel.shmmax/shmall)",
                std::io::Error::last_os_error()
            )));
        }
        // SAFETY: attaching the segment just created, at an address the kernel chooses.
        let addr = unsafe { libc::shmat(id, std::ptr::null(), 0) };
        if addr as isize == -1 {
            let e = std::io::Error::last_os_error();
            // SAFETY: removing the segment just created.
            unsafe { libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut()) };
            return Err(LabError(format!("shmat failed: {e}")));
        }
        Ok(SysvShm { id, addr, size })
    }

    pub fn id(&self) -> i32 {
        self.id
    }

    pub fn start(&self) -> usize {
        self.addr as usize
    }

    pub fn write_pages(&self, value: u8, page: usize) {
        // SAFETY: the segment is attached read-write at addr for size bytes.
        unsafe { write_pages(self.start(), self.size, value, page) }
    }

    pub fn read_pages(&self, page: usize) -> u64 {
        // SAFETY: the segment is attached at addr for size bytes.
        unsafe { read_pages(self.start(), self.size, page) }
    }

    /// Marks the segment for removal: it goes when the last process detaches.
    pub fn remove(&self) {
        // SAFETY: IPC_RMID on our own segment.
        unsafe { libc::shmctl(self.id, libc::IPC_RMID, std::ptr::null_mut()) };
    }
}

impl Drop for SysvShm {
    fn drop(&mut self) {
        self.remove();
        // SAFETY: detaching what shmat returned.
        unsafe { libc::shmdt(self.addr) };
    }
}

/// Many one-page mappings in one reserved range, alternating read-only and read-write so
/// that the kernel cannot merge neighbours into one VMA. Every page is touched.
pub struct Mappings {
    region: Region,
    pages: usize,
}

impl Mappings {
    pub fn new(count: usize, page: usize) -> Result<Mappings, LabError> {
        let region = Region::anon((count * page) as u64, false)?;
        region.write_pages(region.size(), 1, page);
        for i in (0..count).step_by(2) {
            let p =
                NonNull::new((region.start() + i * page) as *mut libc::c_void).expect("non-null");
            // SAFETY: the page lies inside our own mapping; nothing holds a reference to it.
            unsafe { mprotect(p, page, ProtFlags::PROT_READ) }
                .map_err(|e| LabError(format!("mprotect failed after {i} mappings: {e}")))?;
        }
        Ok(Mappings {
            region,
            pages: count,
        })
    }

    pub fn start(&self) -> usize {
        self.region.start()
    }

    /// Number of pages (= mappings).
    pub fn len(&self) -> usize {
        self.pages
    }

    pub fn is_empty(&self) -> bool {
        self.pages == 0
    }
}
