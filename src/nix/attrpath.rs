//! Attribute paths: printed as Nix would write them (`a.b."c.d"`) and read back.

/// `a.b."c.d"`: names that are not plain identifiers are quoted as Nix would.
pub fn show(path: &[String]) -> String {
    path.iter().map(|n| quote(n)).collect::<Vec<_>>().join(".")
}

/// The names of a path printed by [`show`]: split on the dots outside quotes, quotes undone.
pub fn parse(dotted: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = dotted;
    while !rest.is_empty() {
        if rest.starts_with('"') {
            // A JSON string: find its end by letting serde read one value.
            let mut it = serde_json::Deserializer::from_str(rest).into_iter::<String>();
            match it.next() {
                Some(Ok(name)) => {
                    names.push(name);
                    rest = &rest[it.byte_offset()..];
                }
                _ => {
                    names.push(rest.to_owned());
                    break;
                }
            }
        } else {
            let end = rest.find('.').unwrap_or(rest.len());
            names.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    names
}

fn quote(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_'-".contains(c));
    if plain {
        name.to_owned()
    } else {
        serde_json::to_string(name).expect("string serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        let p = |v: &[&str]| show(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            p(&["haskell", "packages", "ghc7103"]),
            "haskell.packages.ghc7103"
        );
        assert_eq!(p(&["a", "b.c", "3d", "x'"]), "a.\"b.c\".\"3d\".x'");
        assert_eq!(p(&[]), "");
    }

    proptest::proptest! {
        /// Any text: names, never a panic; text with no quote is split on its dots (a dot at
        /// the end, which `show` never writes, ends it).
        #[test]
        fn any_text_is_names(text in "(?s)(\"|[^\"]){0,60}") {
            let names = parse(&text);
            if !text.contains('"') && !text.ends_with('.') {
                let want: Vec<String> = if text.is_empty() {
                    vec![]
                } else {
                    text.split('.').map(str::to_owned).collect()
                };
                proptest::prop_assert_eq!(names, want);
            }
        }

        /// Any names (non-ASCII, NUL, dots, quotes) read back; a quoted name cut short is kept
        /// as written, not an error and not a panic.
        #[test]
        fn near_misses(path in proptest::collection::vec("(?s).{0,8}", 1..5)) {
            let shown = show(&path);
            proptest::prop_assert_eq!(parse(&shown), path.clone());
            for (i, _) in shown.char_indices() {
                let _ = parse(&shown[..i]);
            }
        }

        #[test]
        fn parse_undoes_show_for_any_names(
            path in proptest::collection::vec("[a-zA-Z0-9_'.\"\\ -]{1,8}", 0..5)
        ) {
            proptest::prop_assert_eq!(parse(&show(&path)), path);
        }
    }

    #[test]
    fn parse_undoes_show() {
        for path in [
            vec!["haskell", "packages", "ghc7103"],
            vec!["a", "b.c", "3d", "x'"],
            vec!["python3Packages", "zope.interface"],
            vec!["q\"uote\\d", "x.y.z"],
            vec!["0ad-data"],
        ] {
            let path: Vec<String> = path.into_iter().map(String::from).collect();
            assert_eq!(parse(&show(&path)), path);
        }
        assert_eq!(parse(""), Vec::<String>::new());
    }
}
