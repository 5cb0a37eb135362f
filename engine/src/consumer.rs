//! The consumer thread: drains every ring, merges records by timestamp, and
//! hands them to [`Dispatch`] in time order; serves flush requests; sleeps
//! when there is nothing to do. It never calls into Python.
//!
//! One pass (see the commit protocol in [`crate::ring`]):
//! 1. read the clock; adopt newly registered rings;
//! 2. compute the watermark: `now - grace`, lowered to below any record a
//!    producer is stamping right now, never moving backwards;
//! 3. copy every ring's committed bytes into that ring's staging buffer and
//!    release the ring space at once (oversize records are unboxed here);
//! 4. k-way merge the staged records by `(timestamp, ring, sequence)` and
//!    dispatch those at or below the watermark; the rest wait for a later pass;
//! 5. write each sink's batch (one write per sink per pass).
//!
//! When no record has moved for `NAPS_BEFORE_SLEEP` naps the consumer flushes
//! every sink (a mapped file trims its preallocated tail) and goes into a
//! long sleep until a producer wakes it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_utils::sync::Parker;

use crate::clock::now_ns;
use crate::dispatch::Dispatch;
use crate::engine::Shared;
use crate::record::{peek_len, TS_OFFSET};
use crate::ring::{BoxedFrame, ConsumerRing, ENTERING, IDLE, KIND_BOXED};

/// Idle naps before the consumer goes into a long (producer-woken) sleep.
const NAPS_BEFORE_SLEEP: u32 = 100;
/// The longest the consumer sleeps without being woken.
const SLEEP: Duration = Duration::from_millis(100);

struct StagedRing {
    ring: ConsumerRing,
    /// Records copied out of the ring, not yet dispatched.
    staging: Vec<u8>,
    /// Offset of the first undispatched record in `staging`.
    pos: usize,
}

impl StagedRing {
    fn head_ts(&self) -> Option<i64> {
        let b = self.staging.get(self.pos + TS_OFFSET..self.pos + TS_OFFSET + 8)?;
        Some(i64::from_le_bytes(b.try_into().ok()?))
    }

    /// Copies everything committed so far out of the ring.
    fn drain(&mut self) -> bool {
        let n = self.ring.consumer.slots();
        if n == 0 {
            return false;
        }
        let start = self.staging.len();
        let chunk = self.ring.consumer.read_chunk(n).expect("slots() said these are readable");
        let (a, b) = chunk.as_slices();
        self.staging.extend_from_slice(a);
        self.staging.extend_from_slice(b);
        chunk.commit_all();
        self.unbox_from(start);
        true
    }

    /// Replaces each boxed frame in `staging[start..]` by the record it owns.
    fn unbox_from(&mut self, mut at: usize) {
        while let Some(len) = peek_len(&self.staging[at..]) {
            let kind = u16::from_le_bytes([self.staging[at + 4], self.staging[at + 5]]);
            if kind == KIND_BOXED {
                // SAFETY: only `ring::produce_boxed` writes KIND_BOXED frames,
                // each once; this frame was just copied out of the ring and its
                // ring space released, so no one else can see or take it again.
                let record = unsafe { BoxedFrame::take(&self.staging[at..at + len]) };
                self.staging.splice(at..at + len, record.iter().copied());
                at += record.len();
            } else {
                at += len;
            }
        }
    }

    fn compact(&mut self) {
        if self.pos > 0 {
            self.staging.drain(..self.pos);
            self.pos = 0;
        }
    }

    fn is_finished(&self) -> bool {
        self.ring.consumer.is_abandoned()
            && self.ring.consumer.slots() == 0
            && self.pos == self.staging.len()
            && self.ring.shared.busy.load(Ordering::Acquire) == IDLE
    }
}

struct Consumer {
    shared: Arc<Shared>,
    rings: Vec<StagedRing>,
    watermark: i64,
    dispatch: Dispatch,
    heap: BinaryHeap<Reverse<(i64, u64, usize)>>,
}

/// The consumer thread's body.
pub(crate) fn run(shared: Arc<Shared>, parker: Parker) {
    let mut c = Consumer { dispatch: Dispatch::new(shared.clone()), shared, rings: Vec::new(), watermark: i64::MIN, heap: BinaryHeap::new() };
    let mut idle = 0u32;
    loop {
        let moved = c.pass(false);
        c.dispatch.write_all();
        c.dispatch.poll_sinks();
        c.serve_flush();
        c.rings.retain(|r| !r.is_finished());
        c.dispatch.report_if_due();
        if c.shared.shutdown.load(Ordering::SeqCst) {
            c.final_drain();
            break;
        }
        idle = if moved { 0 } else { idle.saturating_add(1) };
        if idle == NAPS_BEFORE_SLEEP {
            // Going quiet: sinks hand back what they hold (a mapped file's tail).
            c.dispatch.flush_sinks();
        }
        if idle < NAPS_BEFORE_SLEEP {
            c.shared.waker.nap(&parker, c.shared.config.nap);
        } else {
            let shared = c.shared.clone();
            let rings = &c.rings;
            shared.waker.sleep(&parker, SLEEP, || {
                let st = shared.flush_state();
                st.requested == st.done && rings.iter().all(|r| r.ring.consumer.slots() == 0)
            });
        }
    }
    c.dispatch.close_all();
    let mut st = c.shared.flush_state();
    st.consumer_exited = true;
    st.done = st.requested;
    c.shared.flush_done.notify_all();
}

impl Consumer {
    /// One pass; `all` ignores the grace period (at exit, when no new record can start).
    /// Returns whether any record moved.
    fn pass(&mut self, all: bool) -> bool {
        let now = now_ns();
        let mut adopted = Vec::new();
        self.shared.rings.adopt(&mut adopted);
        self.rings.extend(adopted.into_iter().map(|ring| StagedRing { ring, staging: Vec::new(), pos: 0 }));

        let grace = if all { 0 } else { self.shared.config.grace.as_nanos() as i64 };
        let mut w = now.saturating_sub(grace);
        for r in &self.rings {
            match r.ring.shared.busy.load(Ordering::Acquire) {
                IDLE => {}
                ENTERING => w = w.min(self.watermark),
                ts => w = w.min(ts - 1),
            }
        }
        self.watermark = self.watermark.max(w);

        let mut moved = false;
        for r in &mut self.rings {
            moved |= r.drain();
        }
        moved | self.merge()
    }

    /// Dispatches staged records up to the watermark, in timestamp order.
    fn merge(&mut self) -> bool {
        self.heap.clear();
        for (i, r) in self.rings.iter().enumerate() {
            if let Some(ts) = r.head_ts() {
                self.heap.push(Reverse((ts, r.ring.shared.id, i)));
            }
        }
        let mut moved = false;
        while let Some(Reverse((ts, id, i))) = self.heap.pop() {
            if ts > self.watermark {
                break;
            }
            let r = &mut self.rings[i];
            let len = peek_len(&r.staging[r.pos..]).expect("staged records are complete");
            self.dispatch.record(&r.staging[r.pos..r.pos + len]);
            r.pos += len;
            moved = true;
            if let Some(ts) = r.head_ts() {
                self.heap.push(Reverse((ts, id, i)));
            }
        }
        for r in &mut self.rings {
            r.compact();
        }
        moved
    }

    fn staged_up_to(&self, until: i64) -> bool {
        self.rings.iter().any(|r| r.head_ts().is_some_and(|ts| ts <= until))
    }

    /// Serves pending flush requests: writes every record stamped before the
    /// newest request, then renews the files of and closes the sinks the requests named.
    fn serve_flush(&mut self) {
        let (target, until, renew_file, close) = {
            let mut st = self.shared.flush_state();
            if st.requested == st.done {
                return;
            }
            (st.requested, st.until_ns, std::mem::take(&mut st.renew_file), std::mem::take(&mut st.close))
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            self.pass(false);
            if (self.watermark >= until && !self.staged_up_to(until)) || Instant::now() > deadline {
                break;
            }
            std::thread::yield_now();
        }
        self.dispatch.write_all();
        self.dispatch.flush_sinks();
        for id in renew_file {
            self.dispatch.renew_file(id);
        }
        for id in close {
            self.dispatch.close(id);
        }
        let mut st = self.shared.flush_state();
        st.done = st.done.max(target);
        self.shared.flush_done.notify_all();
    }

    /// At shutdown: keep draining until every ring is idle and empty.
    fn final_drain(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut quiet = 0;
        while quiet < 2 && Instant::now() < deadline {
            let moved = self.pass(true);
            let busy = self.rings.iter().any(|r| r.ring.shared.busy.load(Ordering::Acquire) != IDLE);
            quiet = if moved || busy || self.staged_up_to(i64::MAX) { 0 } else { quiet + 1 };
            self.dispatch.write_all();
            std::thread::sleep(Duration::from_micros(200));
        }
        self.dispatch.write_all();
        self.serve_flush();
    }
}
