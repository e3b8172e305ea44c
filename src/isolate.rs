//! A panic while handling one item (one file's coverage facts, one root's `.drv` closure, one
//! url, one FOD of a mirror) is that item's failure, not the run's end: the item is recorded as
//! an `internal-error` with its phase, name and message, the run goes on and writes every
//! output, and the command ends with exit status 3 (`error::INTERNAL_ERRORS`). One odd string in
//! one file of a tree must never cost a night's run; a bug that shows only on a tree fodfuzz was
//! never run on is found this way, item by item, instead of by a core dump.
//!
//! The panic hook installed by `main` keeps such a panic's message and place for the record
//! instead of printing it; a panic outside any item is printed as Rust prints it.
use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::{Mutex, Once, OnceLock};

/// The file a command writes the items that failed so into, in its output directory.
pub const FILE: &str = "internal-errors.jsonl";

/// One item whose handling panicked.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct InternalError {
    /// What the run was doing: `coverage`, `graph`, `check`, `mirror`.
    pub phase: String,
    /// Which item: a file of the tree, a `.drv`, an out path.
    pub item: String,
    pub kind: &'static str,
    /// The panic's message and where in fodfuzz it was raised.
    pub message: String,
}

static RECORDED: Mutex<Vec<InternalError>> = Mutex::new(Vec::new());

thread_local! {
    /// How many `item` calls the thread is inside: the hook keeps quiet only there.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// The last panic's message and place on this thread, for `item` to record.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the hook (once; `main` calls it, and so do tests that count on quiet panics).
pub fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if DEPTH.with(Cell::get) == 0 {
                return default(info);
            }
            let at = info
                .location()
                .map(|l| format!(" (at {}:{})", l.file(), l.line()))
                .unwrap_or_default();
            let text = format!("{}{at}", payload_text(info.payload()));
            LAST.with(|l| *l.borrow_mut() = Some(text));
        }));
    });
}

fn payload_text(p: &(dyn std::any::Any + Send)) -> String {
    match (p.downcast_ref::<&str>(), p.downcast_ref::<String>()) {
        (Some(s), _) => (*s).to_owned(),
        (_, Some(s)) => s.clone(),
        _ => "a panic without a message".to_owned(),
    }
}

/// Runs `f` for one item of `phase`; a panic in it is recorded and given back as its message.
pub fn item<R>(phase: &str, item: &str, f: impl FnOnce() -> R) -> Result<R, String> {
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        fault(phase, item);
        f()
    }));
    DEPTH.with(|d| d.set(d.get() - 1));
    result.map_err(|payload| {
        let message = LAST
            .with(|l| l.borrow_mut().take())
            .unwrap_or_else(|| payload_text(&*payload));
        record(phase, item, &message);
        message
    })
}

/// Records one item that failed so (also one whose panic was caught elsewhere, as a thread's).
pub fn record(phase: &str, item: &str, message: &str) {
    let e = InternalError {
        phase: phase.to_owned(),
        item: item.to_owned(),
        kind: "internal-error",
        message: message.to_owned(),
    };
    RECORDED.lock().unwrap_or_else(|p| p.into_inner()).push(e);
}

/// How many items of this process failed so.
pub fn count() -> usize {
    RECORDED.lock().unwrap_or_else(|p| p.into_inner()).len()
}

/// Writes the items that failed so into `dir`'s internal-errors.jsonl, sorted, when there are
/// any (a run without leaves no such file); their number.
pub fn write(dir: &Path) -> anyhow::Result<usize> {
    let mut all = RECORDED.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if all.is_empty() {
        return Ok(0);
    }
    all.sort();
    all.dedup();
    // Through a temporary file, as every output (this module is below `outputs`).
    let mut text = String::new();
    for e in &all {
        text.push_str(&serde_json::to_string(e)?);
        text.push('\n');
    }
    let tmp = dir.join(format!(".{FILE}.tmp"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, dir.join(FILE))?;
    Ok(all.len())
}

/// For tests of this very machinery: `FODFUZZ_FAULT=PHASE:ITEM` makes handling that item panic
/// (`PHASE:*` every item of the phase); also called outside any item, where the panic is the
/// driver's own (`scan:after the walk`). Read once; unset, it costs one comparison.
pub fn fault(phase: &str, item: &str) {
    static FAULT: OnceLock<Option<(String, String)>> = OnceLock::new();
    let wanted = FAULT.get_or_init(|| {
        let v = std::env::var("FODFUZZ_FAULT").ok()?;
        let (p, i) = v.split_once(':')?;
        Some((p.to_owned(), i.to_owned()))
    });
    if let Some((p, i)) = wanted
        && p == phase
        && (i == "*" || i == item)
    {
        panic!("FODFUZZ_FAULT: a fault injected into {phase} of {item}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_the_items_and_the_next_item_runs() {
        install_hook();
        let before = count();
        let got: Vec<Result<u32, String>> = (0..3u32)
            .map(|i| {
                item("test", &format!("item {i}"), || {
                    assert!(i != 1, "item one is odd");
                    i * 10
                })
            })
            .collect();
        assert_eq!(got[0], Ok(0));
        assert_eq!(got[2], Ok(20));
        let e = got[1].as_ref().unwrap_err();
        assert!(e.starts_with("item one is odd (at src/isolate.rs:"), "{e}");
        assert!(count() > before);
        let all = RECORDED.lock().unwrap().clone();
        assert!(
            all.iter()
                .any(|r| r.item == "item 1" && r.phase == "test" && r.kind == "internal-error")
        );
    }

    #[test]
    fn an_index_out_of_bounds_is_caught_with_its_message() {
        install_hook();
        let v: Vec<u8> = vec![0; 5];
        let i = std::hint::black_box(5);
        let e = item("test", "bounds", || v[i]).unwrap_err();
        assert!(e.contains("index out of bounds"), "{e}");
    }
}
