//! The append path allocates nothing once the buffers have grown: counted
//! with a global allocator that counts the appending thread's allocations.

use rewal::{Batch, MemoryStorage, Wal};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static COUNT_HERE: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: delegates to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNT_HERE.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNT_HERE.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNT_HERE.with(|c| c.set(true));
    f();
    COUNT_HERE.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

#[test]
fn appends_allocate_nothing_in_steady_state() {
    let wal = Wal::open("m")
        .storage(MemoryStorage::new())
        .queue_capacity(1 << 20)
        // Room for a whole burst in each of the two write buffers, so the
        // count below does not depend on how far the writer keeps up.
        .buffer_capacity(1 << 20)
        .build()
        .unwrap();
    let payload = [0x5Au8; 128];
    let mut batch = Batch::with_capacity(100);
    for _ in 0..100 {
        batch.add_with_meta(payload, b"meta");
    }
    let burst = || {
        for _ in 0..2000 {
            wal.append(payload).unwrap();
            wal.append_with_meta(payload, b"meta").unwrap();
        }
        wal.append_batch(&batch).unwrap();
    };
    // Warm up: let both write buffers grow to the size of a whole burst.
    for _ in 0..3 {
        burst();
        wal.flush().unwrap();
    }
    let counted = allocations_during(burst);
    assert_eq!(counted, 0, "allocations on the append path");
    wal.flush().unwrap();
}
