//! Nix literals written by fodfuzz into expressions: strings that mean exactly the given text.

/// A Nix string literal holding `s`: `"`, `\` and `$` escaped (so `${` cannot interpolate),
/// control characters written as escapes, so the literal is one line.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Nix list of string literals, on one line.
pub fn string_list<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::from("[");
    for i in items {
        out.push(' ');
        out.push_str(&string(i.as_ref()));
    }
    out.push_str(" ]");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_literals_that_never_interpolate() {
        assert_eq!(string("a\"b\\c${d}\ne"), r#""a\"b\\c\${d}\ne""#);
        assert_eq!(
            string_list(&["x", "zope.interface"]),
            r#"[ "x" "zope.interface" ]"#
        );
        assert_eq!(string_list::<&str>(&[]), "[ ]");
    }

    /// What Nix reads back is the text written.
    #[test]
    fn nix_reads_back_the_text() {
        let Ok(nix) = crate::nix::version::Nix::find() else {
            return; // no Nix on this machine: the tests in tests/ need it anyway
        };
        let text = "q\"uo\\te ${x} $y\n\ttab é";
        let out = crate::nix::command::NixCommand::eval(&nix.instantiate)
            .no_store()
            .expr(&string(text))
            .into_std()
            .arg("--json")
            .output()
            .unwrap();
        let back: String = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(back, text);
    }
}
