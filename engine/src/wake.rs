//! How producers wake the consumer, and how the consumer sleeps.
//!
//! While records flow, the consumer naps on a short timer and producers never
//! touch the waker (a lone record still reaches its sink within one nap). After
//! a stretch of idle naps it goes to sleep for longer; then the next record,
//! a full-enough ring, or a flush wakes it at once.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use crossbeam_utils::sync::{Parker, Unparker};

const AWAKE: u8 = 0;
const ASLEEP: u8 = 1;

/// The producers' side: a flag the consumer sets before a long sleep.
pub(crate) struct Waker {
    state: AtomicU8,
    unparker: Unparker,
}

impl Waker {
    pub fn new() -> (Waker, Parker) {
        let parker = Parker::new();
        (Waker { state: AtomicU8::new(AWAKE), unparker: parker.unparker().clone() }, parker)
    }

    /// Wakes the consumer if it is in a long sleep (cheap when it is not).
    #[inline]
    pub fn nudge(&self) {
        if self.state.load(Ordering::Relaxed) == ASLEEP {
            self.wake();
        }
    }

    /// Wakes the consumer now.
    pub fn wake(&self) {
        self.state.store(AWAKE, Ordering::Relaxed);
        self.unparker.unpark();
    }

    /// Consumer side: a short nap (records are flowing).
    pub fn nap(&self, parker: &Parker, d: Duration) {
        parker.park_timeout(d);
    }

    /// Consumer side: a long sleep, cut short by any producer.
    ///
    /// A producer that committed just before the flag became visible may not
    /// wake us; its record then waits at most `d` (the sleep is bounded for
    /// exactly that reason, and a flush always wakes us explicitly).
    pub fn sleep(&self, parker: &Parker, d: Duration, still_idle: impl FnOnce() -> bool) {
        self.state.store(ASLEEP, Ordering::SeqCst);
        if still_idle() {
            parker.park_timeout(d);
        }
        self.state.store(AWAKE, Ordering::Relaxed);
    }
}
