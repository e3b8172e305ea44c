//! Nix's error messages: the kind of failure each one means, and the line worth showing.
use crate::model::FailureKind;

/// The failure kind from the first line of Nix's error message.
pub fn classify(message: &str) -> FailureKind {
    if message.contains("forbidden in restricted mode") && message.contains("access to URI") {
        FailureKind::EvalTimeFetch
    } else if message.contains("forbidden in restricted mode") {
        FailureKind::ForbiddenPath
    } else if message.contains("allow-import-from-derivation") {
        FailureKind::ImportFromDerivation
    } else if message.contains("infinite recursion encountered") {
        FailureKind::InfiniteRecursion
    } else if message.contains("stack overflow") {
        FailureKind::StackOverflow
    } else if message.starts_with("attribute '") && message.contains("' missing") {
        FailureKind::AttributeMissing
    } else if message.starts_with("undefined variable") {
        FailureKind::UndefinedVariable
    } else {
        FailureKind::EvalError
    }
}

/// The `.drv` an import from derivation could not build, from Nix's message: `cannot build
/// '/nix/store/…-x.drv' during evaluation` (Nix 2.8), `'/nix/store/…-x.drv^out'` (Nix 2.26,
/// which names the outputs it wanted).
pub fn unbuilt_drv(message: &str) -> Option<String> {
    let (_, rest) = message.split_once("cannot build '")?;
    let (quoted, _) = rest.split_once('\'')?;
    let end = quoted.find(".drv")? + ".drv".len();
    let drv = &quoted[..end];
    drv.starts_with('/').then(|| drv.to_owned())
}

/// The first `error:` line of a failed command's stderr, with its position line when it has
/// one.
pub fn first_error(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines
        .by_ref()
        .find(|l| l.starts_with("error:"))
        .unwrap_or("nix-instantiate failed")
        .to_owned();
    // An abort's message starts on the next line (`…error message: '`, then a blank line, as
    // nixpkgs' "requires an implementation of Nix" does): its first line is the reason.
    let first = match first.ends_with("message: '") {
        true => match lines.next() {
            Some(reason) => format!("{first}{reason}'"),
            None => first,
        },
        false => first,
    };
    match lines.find(|l| l.starts_with("at ")) {
        Some(at) => format!("{first} ({})", at.trim_end_matches(':')),
        None => first,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_nix_messages() {
        use FailureKind::*;
        assert_eq!(classify("attribute 'nope' missing"), AttributeMissing);
        assert_eq!(
            classify("infinite recursion encountered"),
            InfiniteRecursion
        );
        assert_eq!(
            classify("stack overflow (possible infinite recursion)"),
            StackOverflow
        );
        assert_eq!(classify("undefined variable 'x'"), UndefinedVariable);
        assert_eq!(
            classify("value is a function while a set was expected"),
            EvalError
        );
        let uri = "access to URI 'http://x/y' is forbidden in restricted mode";
        assert_eq!(classify(uri), EvalTimeFetch);
        let path = "access to absolute path '/etc/hostname' is forbidden in restricted mode";
        assert_eq!(classify(path), ForbiddenPath);
        let ifd = "cannot build '/nix/store/x.drv' during evaluation because the option 'allow-import-from-derivation' is disabled";
        assert_eq!(classify(ifd), ImportFromDerivation);
        assert_eq!(unbuilt_drv(ifd).as_deref(), Some("/nix/store/x.drv"));
    }

    #[test]
    fn the_drv_an_import_from_derivation_could_not_build() {
        let new = "cannot build '/nix/store/ab-centos.nix.drv^out' during evaluation because the option 'allow-import-from-derivation' is disabled";
        assert_eq!(
            unbuilt_drv(new).as_deref(),
            Some("/nix/store/ab-centos.nix.drv")
        );
        assert_eq!(
            unbuilt_drv("allow-import-from-derivation is disabled"),
            None
        );
        assert_eq!(unbuilt_drv("cannot build 'x' during evaluation"), None);
    }

    #[test]
    fn first_error_line_with_its_position() {
        let stderr =
            b"warning: x\nerror: undefined variable 'y'\n\n       at /t/default.nix:3:5:\n";
        assert_eq!(
            first_error(stderr),
            "error: undefined variable 'y' (at /t/default.nix:3:5)"
        );
        assert_eq!(first_error(b""), "nix-instantiate failed");
    }

    /// nixpkgs' default.nix aborts with a message that starts on the next line (Nix 2.8).
    #[test]
    fn an_aborts_message_is_its_first_line() {
        let stderr = b"error: evaluation aborted with the following error message: '\n\n    This version of Nixpkgs requires an implementation of Nix with the following features:\n    - x\n'\n";
        assert_eq!(
            first_error(stderr),
            "error: evaluation aborted with the following error message: 'This version of Nixpkgs requires an implementation of Nix with the following features:'"
        );
    }

    use proptest::prelude::*;

    proptest! {
        /// Any message: a kind and maybe a .drv, never a panic; a .drv found is in the message.
        #[test]
        fn any_message_is_an_answer(m in "(?s)(cannot build '|attribute ')?.{0,120}", bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = classify(&m);
            if let Some(d) = unbuilt_drv(&m) {
                prop_assert!(d.starts_with('/') && d.ends_with(".drv") && m.contains(&d));
            }
            let first = first_error(&bytes);
            prop_assert!(first.starts_with("error:") || first == "nix-instantiate failed");
        }

        /// Nix's messages with any names are read; cut before their end they are not.
        #[test]
        fn messages_and_near_misses(
            name in "[^'\r\n]{1,20}",
            drv in "/nix/store/[a-z0-9]{1,32}-[^'.\r\n]{1,20}",
            outs in "(\\^[a-z,]{1,10})?",
        ) {
            let missing = format!("attribute '{name}' missing");
            prop_assert_eq!(classify(&missing), FailureKind::AttributeMissing);
            prop_assert_eq!(classify(&missing[..missing.len() - 1]), FailureKind::EvalError);
            let ifd = format!("cannot build '{drv}.drv{outs}' during evaluation because the option 'allow-import-from-derivation' is disabled");
            prop_assert_eq!(unbuilt_drv(&ifd), Some(format!("{drv}.drv")));
            let cut = ifd.find(".drv").unwrap() + 3;
            prop_assert_eq!(unbuilt_drv(&ifd[..cut]), None);
            let relative = ifd.replacen("'/", "'", 1);
            prop_assert_eq!(unbuilt_drv(&relative), None);
        }
    }
}
