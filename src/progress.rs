//! Progress: an indicatif bar on a terminal, a plain line every few seconds otherwise.
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    last_line: Instant,
}

impl Progress {
    pub fn new(quiet: bool) -> Self {
        let bar = terminal_bar(quiet, 1, "attrs");
        let now = Instant::now();
        Progress {
            bar,
            started: now,
            last_line: if quiet {
                now + Duration::from_secs(u64::MAX / 4)
            } else {
                now
            },
        }
    }

    pub fn update(&mut self, done: u64, queued: u64, fods: usize, failures: usize) {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let msg = format!(
            "{fods} FODs  {failures} failures  {:.0} attrs/s",
            done as f64 / secs
        );
        match &self.bar {
            Some(b) => {
                b.set_length(queued);
                b.set_position(done);
                b.set_message(msg);
            }
            None if self.last_line.elapsed() >= Duration::from_secs(10) => {
                self.last_line = Instant::now();
                eprintln!("fodfuzz: {done}/{queued} attrs  {msg}  {secs:.0} s");
            }
            None => {}
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// The bar both displays draw on a terminal (none when quiet or not a terminal).
fn terminal_bar(quiet: bool, total: u64, what: &str) -> Option<ProgressBar> {
    (!quiet && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template(&format!(
                "{{elapsed_precise}} [{{bar:30}}] {{pos}}/{{len}} {what}  {{msg}}  ETA {{eta}}"
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
