//! Memory of the workers: sizes like `8G`, resident memory read from /proc, and the budget
//! check that picks the worker to kill.
use crate::error::{BadInput, bad};

/// The memory budget of all workers together (`--max-memory`, default 3/4 of RAM) and the size
/// above which a worker's process is replaced between attributes (`--recycle-memory`, default
/// the budget / (2 × workers), at least 512M).
pub fn limits(args: &crate::cli::ScanArgs, workers: usize) -> Result<(u64, u64), BadInput> {
    let max_memory = match &args.max_memory {
        Some(s) => parse_size(s)?,
        None => total_memory().map_or(u64::MAX, |m| m / 4 * 3),
    };
    let recycle_rss = match &args.recycle_memory {
        Some(s) => parse_size(s)?,
        None => (max_memory / (2 * workers as u64)).max(512 << 20),
    };
    Ok((max_memory, recycle_rss))
}

/// `512M`, `8G`, `1.5GiB`, or a number of bytes.
pub fn parse_size(s: &str) -> Result<u64, BadInput> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let malformed = || bad(format!("malformed size {s:?}: expected e.g. 512M or 8G"));
    let unit = unit.trim().to_ascii_uppercase();
    // One `B` or `iB` after the prefix, not any number of them (`8GBB`, `8iB`).
    let prefix = match unit.strip_suffix("IB") {
        Some(p) if !p.is_empty() => p,
        _ => unit.strip_suffix('B').unwrap_or(&unit),
    };
    let mult: u64 = match prefix {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(malformed()),
    };
    let n: f64 = num.parse().map_err(|_| malformed())?;
    let bytes = n * mult as f64;
    // 2^64 and beyond would be taken as u64::MAX: no budget at all, not what was asked.
    if bytes >= 18_446_744_073_709_551_616.0 {
        return Err(bad(format!("size {s:?}: more than 16 EiB")));
    }
    Ok(bytes as u64)
}

/// Resident memory of a process, in bytes (0 when it is gone).
pub fn rss(pid: i32) -> u64 {
    let page = page_size();
    std::fs::read_to_string(format!("/proc/{pid}/statm"))
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * page)
}

/// The kernel's page size: /proc/PID/statm counts pages, and arm64 kernels use 16K or 64K ones.
fn page_size() -> u64 {
    // SAFETY: sysconf only reads a configuration value.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(size).ok().filter(|&s| s > 0).unwrap_or(4096)
}

/// Total memory of the machine, from /proc/meminfo.
pub fn total_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

/// The worker to kill when the sum of `(id, rss)` exceeds `budget`: the largest.
pub fn over_budget(workers: &[(i32, u64)], budget: u64) -> Option<i32> {
    let total: u64 = workers.iter().map(|w| w.1).sum();
    if total <= budget {
        return None;
    }
    workers.iter().max_by_key(|w| (w.1, w.0)).map(|w| w.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512M").unwrap(), 512 << 20);
        assert_eq!(parse_size("8G").unwrap(), 8 << 30);
        assert_eq!(parse_size("1.5GiB").unwrap(), 3 << 29);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("8X").is_err());
        assert!(parse_size("lots").is_err());
        assert_eq!(parse_size("8gb").unwrap(), 8 << 30);
        assert_eq!(parse_size("8B").unwrap(), 8);
        // Once accepted: the suffixes were trimmed any number of times.
        for wrong in [
            "8GBB",
            "8GiBiB",
            "8iB",
            "8IBB",
            "99999999999T",
            ".",
            "",
            "1e3",
            "1.2.3M",
        ] {
            assert!(parse_size(wrong).is_err(), "{wrong:?}");
        }
    }

    proptest::proptest! {
        /// Any text: bytes or an error, never a panic.
        #[test]
        fn any_text_is_a_size_or_an_error(s in "(?s)[0-9.]{0,25}.{0,5}") {
            let _ = parse_size(&s);
        }

        /// Any whole number of any unit is that many bytes; a unit doubled or unknown, or `iB`
        /// with no prefix, is an error.
        #[test]
        fn units_and_near_misses(
            n in 0u64..1 << 20,
            i in 0usize..5,
            suffix in "(|B|iB|b|ib)",
            wrong in "[^0-9.\\sKMGTBkmgtbIi]{1,2}",
        ) {
            let prefix = ["", "K", "M", "G", "T"][i];
            let got = parse_size(&format!("{n}{prefix}{suffix}")).ok();
            let bare_ib = i == 0 && suffix.eq_ignore_ascii_case("ib");
            proptest::prop_assert_eq!(got, (!bare_ib).then_some(n << (10 * i)));
            if !suffix.is_empty() {
                proptest::prop_assert!(parse_size(&format!("{n}{prefix}{suffix}B")).is_err(), "doubled");
            }
            proptest::prop_assert!(parse_size(&format!("{n}{wrong}")).is_err(), "{:?}", wrong);
        }
    }

    #[test]
    fn kills_the_largest_only_when_over() {
        assert_eq!(over_budget(&[(1, 10), (2, 20)], 30), None);
        assert_eq!(over_budget(&[(1, 10), (2, 25)], 30), Some(2));
        assert_eq!(over_budget(&[], 0), None);
    }

    #[test]
    fn reads_own_memory() {
        assert!(page_size().is_power_of_two() && page_size() >= 4096);
        // This test process holds at least its own code and stack.
        assert!(rss(std::process::id() as i32) >= page_size());
        assert_eq!(rss(-1), 0, "no such process");
        assert!(total_memory().unwrap() > 0);
    }
}
