//! Politeness, as lychee has it: at most `global` requests in flight, at most `per_host` to one
//! host, a minimum interval between the starts of two requests to one host, a host paused when
//! it answers 429 (until its Retry-After), and a host given up for the rest of the run once it
//! was unreachable several times in a row (so that a machine without a network, or a host
//! whose name no longer resolves, costs a few failed look-ups, not one per URL).
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Unreachable this many times in a row, with no answer between: given up.
const DOWN_AFTER: u32 = 3;

pub struct Limits {
    pub global: usize,
    pub per_host: usize,
    pub min_interval: Duration,
    /// A host paused for longer than this fails requests instead of making them wait.
    pub max_wait: Duration,
}

#[derive(Default)]
struct Host {
    in_flight: usize,
    /// No request may start before this (the minimum interval, or a pause).
    next: Option<Instant>,
    unreachable_in_a_row: u32,
    down: Option<String>,
}

#[derive(Default)]
struct State {
    in_flight: usize,
    hosts: HashMap<String, Host>,
}

pub struct Gate {
    limits: Limits,
    state: Mutex<State>,
    freed: Condvar,
}

/// A request in flight to `host`; dropped when its answer has been read.
pub struct Permit {
    gate: Arc<Gate>,
    host: String,
}

impl std::fmt::Debug for Permit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Permit({})", self.host)
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut s = self.gate.state.lock().expect("gate lock");
        s.in_flight -= 1;
        if let Some(h) = s.hosts.get_mut(&self.host) {
            h.in_flight -= 1;
        }
        drop(s);
        self.gate.freed.notify_all();
    }
}

impl Gate {
    pub fn new(limits: Limits) -> Arc<Gate> {
        Arc::new(Gate {
            limits,
            state: Mutex::default(),
            freed: Condvar::new(),
        })
    }

    /// Waits until a request to `host` may start; an error when the host was given up or is
    /// paused for longer than `max_wait`.
    pub fn acquire(self: &Arc<Self>, host: &str) -> Result<Permit, String> {
        let mut s = self.state.lock().expect("gate lock");
        loop {
            let now = Instant::now();
            let global_free = s.in_flight < self.limits.global;
            let h = s.hosts.entry(host.to_owned()).or_default();
            if let Some(why) = &h.down {
                return Err(format!("{host} given up earlier in this run: {why}"));
            }
            let wait = h
                .next
                .map_or(Duration::ZERO, |n| n.saturating_duration_since(now));
            if wait > self.limits.max_wait {
                return Err(format!(
                    "{host} asked to wait {} s (Retry-After)",
                    wait.as_secs()
                ));
            }
            if global_free && h.in_flight < self.limits.per_host && wait.is_zero() {
                h.in_flight += 1;
                h.next = Some(now + self.limits.min_interval);
                s.in_flight += 1;
                return Ok(Permit {
                    gate: self.clone(),
                    host: host.to_owned(),
                });
            }
            // Woken when a request ends; the interval's end wakes nobody, hence the timeout.
            let nap = if wait.is_zero() {
                Duration::from_millis(100)
            } else {
                wait
            };
            s = self.freed.wait_timeout(s, nap).expect("gate lock").0;
        }
    }

    /// No request to `host` starts before `until` (a 429's Retry-After or backoff).
    pub fn pause(&self, host: &str, until: Instant) {
        let mut s = self.state.lock().expect("gate lock");
        let h = s.hosts.entry(host.to_owned()).or_default();
        h.next = Some(h.next.map_or(until, |n| n.max(until)));
    }

    /// The host answered (whatever the status).
    pub fn answered(&self, host: &str) {
        let mut s = self.state.lock().expect("gate lock");
        s.hosts
            .entry(host.to_owned())
            .or_default()
            .unreachable_in_a_row = 0;
    }

    /// The host could not be reached (its name did not resolve, the connection was refused):
    /// after [`DOWN_AFTER`] times in a row it is given up, when `give_up` is set.
    pub fn unreachable(&self, host: &str, why: &str, give_up: bool) {
        let mut s = self.state.lock().expect("gate lock");
        let h = s.hosts.entry(host.to_owned()).or_default();
        h.unreachable_in_a_row += 1;
        if give_up && h.unreachable_in_a_row >= DOWN_AFTER {
            h.down = Some(why.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn gate(global: usize, per_host: usize, interval_ms: u64) -> Arc<Gate> {
        Gate::new(Limits {
            global,
            per_host,
            min_interval: Duration::from_millis(interval_ms),
            max_wait: Duration::from_secs(5),
        })
    }

    /// Eight threads, two hosts: never more than `per_host` on one, `global` in all.
    #[test]
    fn limits_hold_under_contention() {
        let g = gate(3, 2, 0);
        let (now, max_a, max_all) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        );
        let a = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for i in 0..8 {
                let (g, now, a, max_a, max_all) = (&g, &now, &a, &max_a, &max_all);
                s.spawn(move || {
                    for _ in 0..5 {
                        let host = if i % 2 == 0 { "a" } else { "b" };
                        let _p = g.acquire(host).unwrap();
                        max_all.fetch_max(now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                        if host == "a" {
                            max_a.fetch_max(a.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                        }
                        std::thread::sleep(Duration::from_millis(5));
                        if host == "a" {
                            a.fetch_sub(1, Ordering::SeqCst);
                        }
                        now.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(max_a.load(Ordering::SeqCst), 2);
        assert_eq!(max_all.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn interval_between_starts() {
        let g = gate(4, 4, 30);
        let t0 = Instant::now();
        let _a = g.acquire("h").unwrap();
        let _b = g.acquire("h").unwrap();
        assert!(t0.elapsed() >= Duration::from_millis(30));
        let _c = g.acquire("other").unwrap();
    }

    #[test]
    fn pauses_and_giving_up() {
        let g = gate(4, 4, 0);
        g.pause("slow", Instant::now() + Duration::from_secs(60));
        assert!(g.acquire("slow").unwrap_err().contains("asked to wait"));
        for _ in 0..DOWN_AFTER - 1 {
            g.unreachable("gone", "no such host", true);
        }
        g.answered("gone");
        g.unreachable("gone", "no such host", true);
        assert!(g.acquire("gone").is_ok(), "an answer resets the count");
        for _ in 0..DOWN_AFTER {
            g.unreachable("gone", "no such host", true);
            g.unreachable("kept", "refused", false);
        }
        assert!(g.acquire("gone").unwrap_err().contains("no such host"));
        assert!(g.acquire("kept").is_ok());
    }
}
