//! Per-thread rings: the producer half of the engine.
//!
//! Each thread that logs gets one `rtrb` byte ring per engine, created on its
//! first record and handed to the consumer through [`RingRegistry`]. The ring
//! holds *frames*, each a complete [`crate::record`] or, for a record larger
//! than the ring, a small frame that owns a heap copy of it (so every record
//! is delivered, in order, whatever its size).
//!
//! ## The commit protocol (why output can be merged in timestamp order)
//!
//! A producer reserves space, writes the record body, and only then stamps it:
//!
//! 1. `busy = ENTERING`; 2. `ts = now_ns()`; 3. `busy = ts`; 4. patch `ts` into
//!    the header; 5. commit (a Release store of the ring's tail); 6. `busy = IDLE`.
//!
//! The consumer reads the clock first, then every ring's `busy`, then drains.
//! A ring seen `IDLE` has every record it stamped before that point committed
//! and visible (the IDLE store is a Release after the commit); any record it
//! stamps later reads the clock after the consumer did, so its timestamp is
//! later than the consumer's reading minus the grace period (which covers a
//! store that is still in a core's store buffer). A ring seen busy bounds the
//! watermark by its timestamp (or holds it where it was, while `ENTERING`).
//! The consumer emits only records at or below that watermark, so no record
//! can later turn up with an earlier timestamp than one already written.

use std::cell::RefCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_utils::{Backoff, CachePadded};
use rtrb::{Consumer, Producer, RingBuffer};

use crate::clock::now_ns;
use crate::record::{ByteWriter, RecordError, RecordSpec, TS_OFFSET};
use crate::wake::Waker;

/// `busy` value of a ring with no record between stamp and commit.
pub(crate) const IDLE: i64 = 0;
/// `busy` value while a producer is about to read the clock.
pub(crate) const ENTERING: i64 = i64::MAX;
/// Header `kind` of a frame that owns a boxed record (see [`BoxedFrame`]).
pub(crate) const KIND_BOXED: u16 = 1;
/// Size of a boxed frame: len, kind, 10 bytes unused, pointer, length. (The
/// timestamp lives in the boxed record: the consumer unboxes before merging.)
pub(crate) const BOXED_FRAME_LEN: usize = 32;
/// The smallest ring that can hold any frame and a useful record.
pub const MIN_RING_CAPACITY: usize = 4096;

/// What a producer does when its ring has no room for a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverflowPolicy {
    /// Wait for room: spin briefly, then yield, then sleep. Never loses a record.
    Block,
    /// Drop the record at once and count it.
    Drop,
    /// Wait up to this long, then drop the record and count it.
    Timeout(Duration),
}

/// The state a ring shares between its producer thread and the consumer.
pub(crate) struct RingShared {
    /// Registration order; breaks timestamp ties in the merge.
    pub id: u64,
    /// [`IDLE`], [`ENTERING`], or the timestamp of the record being committed.
    pub busy: CachePadded<AtomicI64>,
}

/// The consumer's half of a ring.
pub(crate) struct ConsumerRing {
    pub consumer: Consumer<u8>,
    pub shared: Arc<RingShared>,
}

/// Rings created by producers, waiting for the consumer to adopt them.
#[derive(Default)]
pub(crate) struct RingRegistry {
    pending: Mutex<Vec<ConsumerRing>>,
    has_pending: AtomicBool,
    next_id: AtomicU64,
}

impl RingRegistry {
    fn register(&self, ring: ConsumerRing) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.push(ring);
        self.has_pending.store(true, Ordering::Release);
    }

    /// Moves newly registered rings into `into` (consumer side).
    pub fn adopt(&self, into: &mut Vec<ConsumerRing>) {
        if self.has_pending.swap(false, Ordering::Acquire) {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            into.append(&mut pending);
        }
    }
}

/// What the producer path needs from its engine.
pub(crate) struct ProducerConfig<'e> {
    pub engine_id: u64,
    pub registry: &'e RingRegistry,
    pub waker: &'e Waker,
    pub capacity: usize,
    pub policy: OverflowPolicy,
}

/// Why a record was not enqueued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogError {
    /// The record cannot be encoded (see [`RecordError`]).
    Record(RecordError),
    /// The ring is full and this call may not wait (from `try_log`).
    WouldBlock,
    /// The engine has shut down.
    Closed,
}

/// What happened to a record handed to the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logged {
    /// Enqueued; it will be written.
    Enqueued,
    /// The ring was full and the policy dropped it (counted).
    Dropped,
}

struct LocalRing {
    engine_id: u64,
    producer: Producer<u8>,
    shared: Arc<RingShared>,
    seq: u64,
}

thread_local! {
    /// This thread's rings, one per engine it has logged to (almost always one).
    static LOCAL: RefCell<Vec<LocalRing>> = const { RefCell::new(Vec::new()) };
}

/// Writes one record into the calling thread's ring for this engine.
///
/// `may_wait` = false makes a full ring return [`LogError::WouldBlock`] under the
/// `Block` and `Timeout` policies, so a caller can release a lock (the GIL)
/// before calling again with `may_wait` = true.
pub(crate) fn produce(cfg: &ProducerConfig<'_>, spec: &RecordSpec<'_, '_>, may_wait: bool) -> Result<Logged, LogError> {
    let len = spec.encoded_len().map_err(LogError::Record)?;
    LOCAL.with(|local| {
        let mut local = local.borrow_mut();
        // (A shut-down engine is refused by `Engine::log` before this; a ring
        // whose consumer goes away while full is noticed in `reserve`.)
        let ring = local_ring(&mut local, cfg);
        if len > cfg.capacity {
            return produce_boxed(cfg, ring, spec, len, may_wait);
        }
        let mut chunk = match ring.producer.write_chunk_uninit(len) {
            Ok(chunk) => chunk,
            Err(_) => {
                if !reserve(cfg, &mut ring.producer, len, may_wait)? {
                    return Ok(Logged::Dropped);
                }
                ring.producer.write_chunk_uninit(len).expect("room was reserved above")
            }
        };
        let (first, second) = chunk.as_mut_slices();
        let mut w = SplitWriter { first, second, pos: 0 };
        spec.encode(len, ring.seq, &mut w);
        ring.seq += 1;
        let ts = begin_stamp(&ring.shared);
        w.patch(TS_OFFSET, &ts.to_le_bytes());
        // SAFETY: `encode` wrote exactly `len` bytes (= the chunk's length, from
        // `encoded_len`) through `w`, so every slot of the chunk is initialized.
        unsafe { chunk.commit_all() };
        end_stamp(&ring.shared);
        after_commit(cfg, &ring.producer);
        Ok(Logged::Enqueued)
    })
}

/// Wakes the consumer when it sleeps, or when this ring is past half full.
#[inline]
fn after_commit(cfg: &ProducerConfig<'_>, p: &Producer<u8>) {
    if p.cached_slots() < cfg.capacity / 2 && p.slots() < cfg.capacity / 2 {
        cfg.waker.wake();
    } else {
        cfg.waker.nudge();
    }
}

/// Steps 1–3 of the commit protocol (module docs): returns the timestamp.
#[inline]
fn begin_stamp(shared: &RingShared) -> i64 {
    // No full fence: a consumer that has not yet seen ENTERING read its clock
    // at most a store-buffer drain (nanoseconds) before ours, which the
    // consumer's grace period (10 µs) covers.
    shared.busy.store(ENTERING, Ordering::Release);
    let ts = now_ns();
    shared.busy.store(ts, Ordering::Release);
    ts
}

/// Step 6: the record is committed; the ring no longer holds the watermark.
#[inline]
fn end_stamp(shared: &RingShared) {
    shared.busy.store(IDLE, Ordering::Release);
}

fn local_ring<'l>(local: &'l mut Vec<LocalRing>, cfg: &ProducerConfig<'_>) -> &'l mut LocalRing {
    if let Some(i) = local.iter().position(|r| r.engine_id == cfg.engine_id) {
        return &mut local[i];
    }
    // Rings of engines that are gone (their consumer dropped) are released here.
    local.retain(|r| !r.producer.is_abandoned());
    let (producer, consumer) = RingBuffer::<u8>::new(cfg.capacity);
    let shared = Arc::new(RingShared { id: cfg.registry.next_id.fetch_add(1, Ordering::Relaxed), busy: CachePadded::new(AtomicI64::new(IDLE)) });
    cfg.registry.register(ConsumerRing { consumer, shared: shared.clone() });
    local.push(LocalRing { engine_id: cfg.engine_id, producer, shared, seq: 0 });
    local.last_mut().expect("just pushed")
}

/// Waits for `len` free bytes as the policy says. `Ok(false)` = drop the record.
fn reserve(cfg: &ProducerConfig<'_>, p: &mut Producer<u8>, len: usize, may_wait: bool) -> Result<bool, LogError> {
    if p.slots() >= len {
        return Ok(true);
    }
    cfg.waker.wake();
    let deadline = match cfg.policy {
        OverflowPolicy::Drop => return Ok(false),
        _ if !may_wait => return Err(LogError::WouldBlock),
        OverflowPolicy::Block => None,
        OverflowPolicy::Timeout(d) => Some(Instant::now() + d),
    };
    let backoff = Backoff::new();
    loop {
        if p.slots() >= len {
            return Ok(true);
        }
        if p.is_abandoned() {
            return Err(LogError::Closed);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(false);
        }
        if backoff.is_completed() {
            std::thread::sleep(Duration::from_micros(50));
        } else {
            backoff.snooze();
        }
    }
}

/// A record larger than the ring travels on the heap; the ring carries a frame
/// that owns it, so it keeps its place in the thread's order.
fn produce_boxed(cfg: &ProducerConfig<'_>, ring: &mut LocalRing, spec: &RecordSpec<'_, '_>, len: usize, may_wait: bool) -> Result<Logged, LogError> {
    if !reserve(cfg, &mut ring.producer, BOXED_FRAME_LEN, may_wait)? {
        return Ok(Logged::Dropped);
    }
    let mut heap = Vec::with_capacity(len);
    spec.encode(len, ring.seq, &mut heap);
    ring.seq += 1;
    let mut chunk = ring.producer.write_chunk_uninit(BOXED_FRAME_LEN).expect("room was reserved above");
    let (first, second) = chunk.as_mut_slices();
    let mut w = SplitWriter { first, second, pos: 0 };
    let mut heap = heap.into_boxed_slice();
    let ts = begin_stamp(&ring.shared);
    heap[TS_OFFSET..TS_OFFSET + 8].copy_from_slice(&ts.to_le_bytes());
    w.put(&BoxedFrame::encode(heap));
    // SAFETY: the line above wrote the whole BOXED_FRAME_LEN-byte frame.
    unsafe { chunk.commit_all() };
    end_stamp(&ring.shared);
    after_commit(cfg, &ring.producer);
    Ok(Logged::Enqueued)
}

/// The frame that stands in a ring for a record too large to fit in it.
pub(crate) struct BoxedFrame;

impl BoxedFrame {
    /// Leaks `record` into a frame; [`BoxedFrame::take`] is its only way back.
    fn encode(record: Box<[u8]>) -> [u8; BOXED_FRAME_LEN] {
        let len = record.len();
        let ptr = Box::into_raw(record) as *mut u8 as usize as u64;
        let mut f = [0u8; BOXED_FRAME_LEN];
        f[0..4].copy_from_slice(&(BOXED_FRAME_LEN as u32).to_le_bytes());
        f[4..6].copy_from_slice(&KIND_BOXED.to_le_bytes());
        f[16..24].copy_from_slice(&ptr.to_le_bytes());
        f[24..32].copy_from_slice(&(len as u64).to_le_bytes());
        f
    }

    /// Takes back ownership of the record a boxed frame carries.
    ///
    /// # Safety
    /// `frame` must be a frame written by [`BoxedFrame::encode`] into a ring
    /// (kind [`KIND_BOXED`]), and each such frame must be taken exactly once.
    pub(crate) unsafe fn take(frame: &[u8]) -> Box<[u8]> {
        let ptr = u64::from_le_bytes(frame[16..24].try_into().unwrap()) as usize as *mut u8;
        let len = u64::from_le_bytes(frame[24..32].try_into().unwrap()) as usize;
        // SAFETY (caller's contract): ptr/len came from `Box::into_raw` of a
        // `Box<[u8]>` of exactly `len` bytes, not yet reclaimed.
        unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) }
    }
}

/// Writes across the two slices `rtrb` hands out when a chunk wraps around.
struct SplitWriter<'a> {
    first: &'a mut [MaybeUninit<u8>],
    second: &'a mut [MaybeUninit<u8>],
    pos: usize,
}

impl SplitWriter<'_> {
    fn write_at(&mut self, mut at: usize, bytes: &[u8]) {
        for &b in bytes {
            if at < self.first.len() {
                self.first[at].write(b);
            } else {
                self.second[at - self.first.len()].write(b);
            }
            at += 1;
        }
    }

    fn patch(&mut self, at: usize, bytes: &[u8]) {
        if at + bytes.len() <= self.first.len() {
            copy_uninit(&mut self.first[at..at + bytes.len()], bytes);
        } else {
            self.write_at(at, bytes);
        }
    }
}

impl ByteWriter for SplitWriter<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        if end <= self.first.len() {
            copy_uninit(&mut self.first[self.pos..end], bytes);
        } else {
            self.write_at(self.pos, bytes);
        }
        self.pos = end;
    }
}

#[inline]
fn copy_uninit(dst: &mut [MaybeUninit<u8>], src: &[u8]) {
    assert_eq!(dst.len(), src.len());
    // SAFETY: both slices are valid for `src.len()` bytes (checked above), `u8`
    // and `MaybeUninit<u8>` have the same layout, and a shared and a unique
    // borrow cannot overlap. (A byte loop here cost ~10 ns per record.)
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst.as_mut_ptr().cast::<u8>(), src.len()) }
}
