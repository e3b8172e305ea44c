//! Nix's log lines with `--log-format internal-json`: one `@nix {…}` JSON object per message,
//! on Nix 2.8 and 2.26 alike (a plain `trace: …` / `error: …` line is read too). A trace is a
//! harness record; an error is the failure of the expression in progress. Newer Nix prints an
//! error over several lines (`error:` alone, indented `… while evaluating` frames, then the
//! message on its own `error:` line), with ANSI colours even into a pipe, and only sometimes a
//! `raw_msg` without them: the message is the last `error:` line that says something.
use serde::Deserialize;

#[derive(Debug, PartialEq)]
pub enum LogLine {
    /// What `builtins.trace` printed.
    Trace(String),
    /// An evaluation error: its message, without frames, positions or colours.
    Error(String),
    /// Anything else (progress, warnings, the repl's welcome).
    Other,
}

#[derive(Deserialize)]
struct Message {
    action: String,
    #[serde(default)]
    level: u8,
    #[serde(default)]
    msg: String,
    raw_msg: Option<String>,
}

/// Nix's level of errors in `internal-json` messages.
const LEVEL_ERROR: u8 = 0;

pub fn parse(line: &str) -> LogLine {
    let Some(json) = line.strip_prefix("@nix ") else {
        return plain(line);
    };
    let Ok(m) = serde_json::from_str::<Message>(json) else {
        return LogLine::Other;
    };
    if m.action != "msg" {
        return LogLine::Other;
    }
    let text = strip_ansi(&m.msg);
    if let Some(t) = text.strip_prefix("trace: ") {
        return LogLine::Trace(t.to_owned());
    }
    if m.level != LEVEL_ERROR || !text.trim_start().starts_with("error:") {
        return LogLine::Other;
    }
    // raw_msg is the message alone, where Nix gives it; it can span lines too.
    let raw = m.raw_msg.map(|r| strip_ansi(&r));
    let message = match raw.as_deref().map(first_line).filter(|r| !r.is_empty()) {
        Some(r) => r.to_owned(),
        None => error_message(&text),
    };
    LogLine::Error(message)
}

/// The plain log format (no `@nix` prefix): `trace: …` and the first line of `error: …`.
fn plain(line: &str) -> LogLine {
    if let Some(t) = line.strip_prefix("trace: ") {
        LogLine::Trace(t.to_owned())
    } else if let Some(e) = line.strip_prefix("error: ") {
        LogLine::Error(strip_ansi(e).trim().to_owned())
    } else {
        LogLine::Other
    }
}

/// The message of a formatted error: the last `error:` line with text after it (the frames
/// before it say where, not what).
pub fn error_message(text: &str) -> String {
    let last = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("error:"))
        .map(str::trim)
        .rfind(|m| !m.is_empty());
    let any = || {
        text.lines()
            .map(|l| l.trim().trim_start_matches("error:").trim())
            .find(|l| !l.is_empty())
    };
    last.or_else(any).unwrap_or("").to_owned()
}

fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// `text` without ANSI escape sequences (`ESC [ … letter`).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        if chars.next() == Some('[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nix 2.8's repl and nix-instantiate with --log-format internal-json.
    #[test]
    fn nix_2_8_lines() {
        let trace = r#"@nix {"action":"msg","level":0,"msg":"trace: @fodfuzz {\"id\":1}"}"#;
        assert_eq!(parse(trace), LogLine::Trace(r#"@fodfuzz {"id":1}"#.into()));
        let missing = r#"@nix {"action":"msg","level":0,"msg":"\u001b[31;1merror:\u001b[0m attribute '\u001b[35;1mnope\u001b[0m' missing\n\n       \u001b[34;1mat \u001b[35;1m«string»:1:1\u001b[0m:\n\n            1| {}.nope\n             | \u001b[31;1m^\u001b[0m"}"#;
        assert_eq!(
            parse(missing),
            LogLine::Error("attribute 'nope' missing".into())
        );
        let welcome =
            r#"@nix {"action":"msg","level":2,"msg":"Welcome to Nix 2.8.0. Type :? for help.\n"}"#;
        assert_eq!(parse(welcome), LogLine::Other);
    }

    /// Nix 2.26: frames before the message, which has an `error:` line of its own.
    #[test]
    fn nix_2_26_lines() {
        let throw = r#"@nix {"action":"msg","level":0,"msg":"\u001b[31;1merror:\u001b[0m\n       … while calling the '\u001b[35;1mthrow\u001b[0m' builtin\n         \u001b[34;1mat \u001b[35;1m«string»:1:1\u001b[0m:\n            1| throw \"boom\"\n             | \u001b[31;1m^\u001b[0m\n\n       \u001b[31;1merror:\u001b[0m boom"}"#;
        assert_eq!(parse(throw), LogLine::Error("boom".into()));
        let call = r#"@nix {"action":"msg","level":0,"msg":"\u001b[31;1merror:\u001b[0m\n       … from call site\n\n       \u001b[31;1merror:\u001b[0m function '\u001b[35;1mf\u001b[0m' called without required argument '\u001b[35;1ma\u001b[0m'\n       \u001b[34;1mat \u001b[35;1m«string»:1:9\u001b[0m:"}"#;
        assert_eq!(
            parse(call),
            LogLine::Error("function 'f' called without required argument 'a'".into())
        );
        let raw = r#"@nix {"action":"msg","level":0,"msg":"\u001b[31;1merror:\u001b[0m … x","raw_msg":"infinite recursion encountered"}"#;
        assert_eq!(
            parse(raw),
            LogLine::Error("infinite recursion encountered".into())
        );
        let start = r#"@nix {"action":"start","id":1,"level":4,"text":"x","type":0}"#;
        assert_eq!(parse(start), LogLine::Other);
    }

    #[test]
    fn plain_lines_and_colours() {
        assert_eq!(parse("trace: hi"), LogLine::Trace("hi".into()));
        assert_eq!(
            parse("error: undefined variable 'x'"),
            LogLine::Error("undefined variable 'x'".into())
        );
        assert_eq!(parse("warning: x"), LogLine::Other);
        assert_eq!(strip_ansi("\u{1b}[31;1ma\u{1b}[0mb"), "ab");
        assert_eq!(error_message("error:\n  … frame\n"), "… frame");
    }

    use proptest::prelude::*;

    /// An `@nix` line as Nix writes one.
    fn nix_line(level: u8, msg: &str, raw: Option<&str>) -> String {
        let mut m = serde_json::json!({"action": "msg", "level": level, "msg": msg});
        if let Some(r) = raw {
            m["raw_msg"] = r.into();
        }
        format!("@nix {m}")
    }

    proptest! {
        /// Any line: an answer, never a panic; a plain line is a trace only when it says so.
        #[test]
        fn any_line_is_an_answer(line in "(?s)(@nix |trace: |error: )?.{0,200}") {
            let got = parse(&line);
            if !line.starts_with("@nix ") {
                prop_assert_eq!(matches!(got, LogLine::Trace(_)), line.starts_with("trace: "));
            }
            prop_assert!(!strip_ansi(&line).contains('\u{1b}'), "{:?}", line);
            let _ = error_message(&line);
        }

        /// Traces and errors of any text read back; the line cut short, or with anything after
        /// it, is no message at all.
        #[test]
        fn messages_and_near_misses(
            text in "[^\u{1b}]{0,60}",
            level in 0u8..=7,
            raw in proptest::option::of("(?s).{0,30}"),
            tail in "[^\\s]{1,5}",
        ) {
            prop_assert_eq!(strip_ansi(&text), text.clone());
            let trace = nix_line(level, &format!("trace: {text}"), None);
            prop_assert_eq!(parse(&trace), LogLine::Trace(text.clone()));
            let error = nix_line(level, &format!("\u{1b}[31;1merror:\u{1b}[0m {text}"), raw.as_deref());
            let got = parse(&error);
            prop_assert_eq!(matches!(got, LogLine::Error(_)), level == LEVEL_ERROR);
            for line in [trace, error] {
                for (i, _) in line.char_indices() {
                    prop_assert_eq!(parse(&line[..i]), LogLine::Other, "cut at {}", i);
                }
                prop_assert_eq!(parse(&format!("{line}{tail}")), LogLine::Other);
            }
        }
    }
}
