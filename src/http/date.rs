//! Times as HTTP and fodfuzz's outputs write them: RFC 3339 in UTC (`2026-01-31T12:00:00Z`, what
//! check.jsonl's `checkedAt` holds) and the IMF-fixdate of a `Retry-After` header
//! (`Sun, 06 Nov 1994 08:49:37 GMT`). Seconds since the Unix epoch inside.
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the epoch, now.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(secs: u64) -> String {
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// The inverse of [`rfc3339`] (UTC with `Z` only, which is all fodfuzz writes).
pub fn parse_rfc3339(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits(s.get(r)?);
    let time = [n(11..13)?, n(14..16)?, n(17..19)?];
    secs_of(n(0..4)? as i64, n(5..7)?, n(8..10)?, time)
}

/// A `Retry-After` value: delay-seconds, or an HTTP-date (IMF-fixdate) counted from now.
pub fn retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(v)?;
    Some(Duration::from_secs(at.saturating_sub(now())))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
fn parse_http_date(s: &str) -> Option<u64> {
    let mut w = s.split_whitespace();
    let (_weekday, day, month, year, time, zone) = (
        w.next()?,
        w.next()?,
        w.next()?,
        w.next()?,
        w.next()?,
        w.next()?,
    );
    if zone != "GMT" || w.next().is_some() {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
    let mut hms = time.split(':').map(digits);
    let time = [hms.next()??, hms.next()??, hms.next()??];
    if hms.next().is_some() {
        return None;
    }
    // Four digits, as RFC 9110 writes the year: a larger one overflowed days_from_civil.
    let year = digits(year).filter(|y| *y <= 9999)?;
    secs_of(i64::from(year), month, digits(day)?, time)
}

/// A number written with ASCII digits only (`parse` alone takes a sign: `+7`).
fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn secs_of(y: i64, m: u32, d: u32, [hh, mm, ss]: [u32; 3]) -> Option<u64> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let days = u64::try_from(days_from_civil(y, m, d)).ok()?;
    Some(days * 86_400 + u64::from(hh * 3600 + mm * 60 + ss))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number, the inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(parse_rfc3339("2023-11-14T22:13:20Z"), Some(1_700_000_000));
        assert_eq!(parse_rfc3339("2023-11-14 22:13:20Z"), None);
        assert_eq!(parse_rfc3339("2023-13-14T22:13:20Z"), None);
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 CET"), None);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO),
            "a date in the past: no wait"
        );
        let later = rfc3339(now() + 100);
        let (y, mo, d) = (&later[0..4], &later[5..7], &later[8..10]);
        let month = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ][mo.parse::<usize>().unwrap() - 1];
        let wait = retry_after(&format!("Mon, {d} {month} {y} {} GMT", &later[11..19])).unwrap();
        assert!((95..=100).contains(&wait.as_secs()), "{wait:?}");
        assert_eq!(retry_after("soon"), None);
    }

    /// `secs` as an IMF-fixdate (the weekday is not checked, and is not computed here).
    fn http_date(secs: u64) -> String {
        let t = rfc3339(secs);
        let month = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ][t[5..7].parse::<usize>().unwrap() - 1];
        format!("Sun, {} {month} {} {} GMT", &t[8..10], &t[0..4], &t[11..19])
    }

    #[test]
    fn years_too_large_and_signs() {
        // Once a panic in a debug build (an overflow in days_from_civil), a wrong date in a
        // release one.
        assert_eq!(
            parse_http_date("Sun, 06 Nov 9223372036854775807 08:49:37 GMT"),
            None
        );
        assert_eq!(parse_http_date("Sun, 06 Nov 10000 08:49:37 GMT"), None);
        assert_eq!(retry_after("Sun, 06 Nov 99999999999 08:49:37 GMT"), None);
        // Once read as 1994 and 6: `parse` takes a sign.
        assert_eq!(parse_http_date("Sun, +6 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(parse_rfc3339("+023-11-14T22:13:20Z"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37:00 GMT"), None);
    }

    proptest! {
        #[test]
        fn rfc3339_round_trips(secs in 0u64..8_000_000_000) {
            prop_assert_eq!(parse_rfc3339(&rfc3339(secs)), Some(secs));
        }

        /// Any text: a time or none, never a panic.
        #[test]
        fn any_text_is_an_answer(s in "(?s)[0-9 :TZ-]{0,25}.{0,10}", words in "(Sun, )?[0-9+-]{0,22} (Nov|Feb) [0-9+-]{0,22} [0-9:+-]{0,12} GMT") {
            let _ = parse_rfc3339(&s);
            let _ = retry_after(&s);
            let _ = parse_http_date(&s);
            if let Some(t) = parse_http_date(&words) {
                prop_assert!(t < 253_402_300_800, "before the year 10000");
            }
        }

        /// A date of any second from 1970 to 9999 reads back in both forms; cut short, extended,
        /// or with a byte replaced by a character no date has there, it is none.
        #[test]
        fn dates_and_near_misses(secs in 0u64..253_402_300_800, i in 0usize..20, c in "[^0-9]", tail in "[^\\s]{1,3}") {
            let t = rfc3339(secs);
            let h = http_date(secs);
            prop_assert_eq!(parse_rfc3339(&t), Some(secs));
            prop_assert_eq!(parse_http_date(&h), Some(secs));
            for (cut, _) in t.char_indices() {
                prop_assert_eq!(parse_rfc3339(&t[..cut]), None);
            }
            prop_assert_eq!(parse_rfc3339(&format!("{t}{tail}")), None);
            prop_assert_eq!(parse_http_date(&format!("{h} {tail}")), None);
            prop_assert_eq!(parse_http_date(&h[..h.len() - 4]), None);
            if t.as_bytes()[i].is_ascii_digit() {
                let changed = format!("{}{c}{}", &t[..i], &t[i + 1..]);
                prop_assert_eq!(parse_rfc3339(&changed), None, "{}", changed);
            }
        }
    }
}
