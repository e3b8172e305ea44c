//! Politeness, as lychee has it: at most `global` requests in flight, at most `per_host` to one
//! host, a minimum interval between the starts of two requests to one host, and a host paused
//! when it answers 429 (until its Retry-After). Beyond lychee: a host's requests go one at a
//! time until it has answered once, and a host that could not be reached (its name does not
//! resolve, it refuses connections) can be given up for the rest of the run, so that a dead
//! host or a machine without a network costs one failed look-up per host, not one per URL
//! (a resolver that times out takes seconds each time).
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

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
    /// It answered once: it exists, so it gets `per_host` requests at a time.
    answered: bool,
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
            let limit = if h.answered { self.limits.per_host } else { 1 };
            if global_free && h.in_flight < limit && wait.is_zero() {
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
        s.hosts.entry(host.to_owned()).or_default().answered = true;
        drop(s);
        self.freed.notify_all();
    }

    /// The host could not be reached (its name did not resolve, the connection was refused):
    /// given up for the rest of the run, unless it answered before (then this was a glitch).
    pub fn unreachable(&self, host: &str, why: &str) {
        let mut s = self.state.lock().expect("gate lock");
        let h = s.hosts.entry(host.to_owned()).or_default();
        if !h.answered {
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

    /// Eight threads, two hosts that answered: never more than `per_host` on one, `global`
    /// in all.
    #[test]
    fn limits_hold_under_contention() {
        let g = gate(3, 2, 0);
        g.answered("a");
        g.answered("b");
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

    /// Until a host has answered, its requests go one at a time.
    #[test]
    fn one_at_a_time_until_an_answer() {
        let g = gate(4, 4, 0);
        let first = g.acquire("new").unwrap();
        std::thread::scope(|s| {
            let waiting = s.spawn(|| g.acquire("new").map(|_| ()));
            std::thread::sleep(Duration::from_millis(150));
            assert!(!waiting.is_finished(), "waits for the first answer");
            g.answered("new");
            let _second = g.acquire("new").unwrap();
            drop(first);
            waiting.join().unwrap().unwrap();
        });
    }

    #[test]
    fn interval_between_starts() {
        let g = gate(4, 4, 30);
        g.answered("h");
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
        g.unreachable("gone", "no such host");
        assert!(g.acquire("gone").unwrap_err().contains("no such host"));
        g.answered("flaky");
        g.unreachable("flaky", "refused");
        assert!(g.acquire("flaky").is_ok(), "it answered before: a glitch");
    }
}
