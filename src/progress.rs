//! Progress: an indicatif bar on a terminal, a plain line every few seconds otherwise.
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    /// When the last plain line was printed (none when quiet).
    last_line: Option<Instant>,
    /// Attributes the last complete run of the same scan visited, when known.
    expected: Option<u64>,
    last: Snapshot,
}

/// Where a scan stands.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Attributes visited.
    pub done: u64,
    /// Attributes found so far (visited or waiting); grows as sets are expanded.
    pub known: u64,
    pub fods: usize,
    pub failures: usize,
}

/// How often a line is printed without a terminal, whether or not anything arrived.
const LINE_EVERY: Duration = Duration::from_secs(10);

impl Progress {
    /// `expected`: the attributes the last complete run of the same scan visited.
    pub fn new(quiet: bool, expected: Option<u64>) -> Self {
        let bar = terminal_bar(quiet, expected.unwrap_or(1), "attrs");
        Progress {
            bar,
            started: Instant::now(),
            last_line: (!quiet).then(Instant::now),
            expected,
            last: Snapshot::default(),
        }
    }

    pub fn update(&mut self, now: Snapshot) {
        self.last = now;
        if let Some(b) = &self.bar {
            b.set_length(self.expected.unwrap_or(now.known).max(now.done));
            b.set_position(now.done);
            b.set_message(self.message(&now));
        } else {
            self.tick();
        }
    }

    /// Prints a plain line when [`LINE_EVERY`] has passed (called on a timer too, so that a
    /// log shows the scan alive during a slow attribute).
    pub fn tick(&mut self) {
        if self.last_line.is_none_or(|l| l.elapsed() < LINE_EVERY) {
            return;
        }
        self.last_line = Some(Instant::now());
        if self.bar.is_none() {
            let now = self.last;
            let secs = self.started.elapsed().as_secs_f64();
            eprintln!(
                "fodfuzz: {}/{} attrs  {}  {secs:.0} s",
                now.done,
                now.known,
                self.message(&now)
            );
        }
    }

    /// FODs, failures, rate and what is left.
    fn message(&self, now: &Snapshot) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = now.done as f64 / secs;
        format!(
            "{} FODs  {} failures  {rate:.0}/s  {}",
            now.fods,
            now.failures,
            eta(now, self.expected, secs)
        )
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// What is left, and how it was estimated: from the last complete run of the same scan, or, as
/// a lower bound, from the attributes found so far (more sets may yet be expanded).
pub fn eta(now: &Snapshot, expected: Option<u64>, secs: f64) -> String {
    if now.done == 0 {
        return "ETA: estimating".into();
    }
    let per = secs / now.done as f64;
    match expected {
        Some(total) if total > now.done => {
            let left = (total - now.done) as f64 * per;
            format!("ETA ~{} (from the last run)", clock(left))
        }
        Some(_) => "ETA: past the last run's size".into(),
        None => {
            let left = now.known.saturating_sub(now.done) as f64 * per;
            format!("ETA >={} (work found so far)", clock(left))
        }
    }
}

/// `1h02m`, `3m05s`, `42s`.
pub(crate) fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

/// The bar both displays draw on a terminal (none when quiet or not a terminal).
fn terminal_bar(quiet: bool, total: u64, what: &str) -> Option<ProgressBar> {
    (!quiet && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        // The bar takes what the terminal's width leaves (wide_bar), so the line never wraps.
        b.set_style(
            ProgressStyle::with_template(&format!(
                "{{elapsed}} {{pos}}/{{len}} {what} {{msg}} [{{wide_bar}}]"
            ))
            .expect("valid template")
            .progress_chars("=> "),
        );
        b.enable_steady_tick(Duration::from_millis(200));
        b
    })
}

/// Items done out of a known total (e.g. cache look-ups), drawn like [`Progress`].
pub struct Counter {
    bar: Option<ProgressBar>,
    what: &'static str,
    total: u64,
    last_line: Option<Instant>,
}

impl Counter {
    pub fn new(quiet: bool, total: u64, what: &'static str) -> Self {
        let bar = terminal_bar(quiet, total, what);
        Counter {
            bar,
            what,
            total,
            last_line: (!quiet).then(Instant::now),
        }
    }

    pub fn update(&mut self, done: u64, msg: impl FnOnce() -> String) {
        match (&self.bar, &mut self.last_line) {
            (Some(b), _) => {
                b.set_position(done);
                b.set_message(msg());
            }
            (None, Some(last)) if last.elapsed() >= Duration::from_secs(10) => {
                *last = Instant::now();
                eprintln!("fodfuzz: {done}/{} {}  {}", self.total, self.what, msg());
            }
            _ => {}
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(done: u64, known: u64) -> Snapshot {
        Snapshot {
            done,
            known,
            ..Snapshot::default()
        }
    }

    #[test]
    fn eta_says_how_it_was_estimated() {
        assert_eq!(eta(&at(0, 10), None, 5.0), "ETA: estimating");
        // 100 done in 50 s: 0.5 s each.
        assert_eq!(
            eta(&at(100, 400), None, 50.0),
            "ETA >=2m30s (work found so far)"
        );
        assert_eq!(
            eta(&at(100, 400), Some(1000), 50.0),
            "ETA ~7m30s (from the last run)"
        );
        assert_eq!(
            eta(&at(100, 400), Some(90), 50.0),
            "ETA: past the last run's size"
        );
        assert_eq!(clock(3725.0), "1h02m");
    }
}
