//! manual.txt: the requireFile sources, which no mirror can fetch, with the instructions their
//! builders print.
use crate::model::{Fetcher, Fod};
use std::collections::BTreeMap;

/// The requireFile sources as text, sorted by name, and how many.
pub fn manual(fods: &BTreeMap<String, Fod>) -> (String, usize) {
    let mut rf: Vec<&Fod> = fods
        .values()
        .filter(|f| f.fetcher == Fetcher::RequireFile)
        .collect();
    rf.sort_by_key(|f| (&f.name, &f.out_path));
    let mut text = String::from(
        "# requireFile sources: no mirror can fetch these. Get each file as its message says, then\n\
         # add it to the store: nix-store --add-fixed ALGO FILE (--recursive for hashMode recursive).\n",
    );
    for f in &rf {
        text.push_str(&format!(
            "\n{}\n  hash: {}\n  hashMode: {}\n  outPath: {}\n  message:\n",
            f.name, f.hash, f.hash_mode, f.out_path
        ));
        match &f.source.message {
            Some(m) => {
                for line in m.lines() {
                    text.push_str(format!("    {line}").trim_end());
                    text.push('\n');
                }
            }
            None => text.push_str("    (not found in the .drv)\n"),
        }
    }
    (text, rf.len())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn manual_lists_require_file_sources_by_name() {
        let mut b = fod(
            "bbb",
            "b-sdk.tgz",
            "sha256-DDDD",
            "flat",
            "requireFile",
            &[],
        );
        b.source.message = Some("Go to http://vendor/b\nand accept the licence.  ".into());
        let a = fod(
            "aaa",
            "a-tool.zip",
            "sha1-EEEE",
            "recursive",
            "requireFile",
            &[],
        );
        let fods = set(vec![b, a, hello()]);
        let (text, n) = manual(&fods);
        assert_eq!(n, 2);
        let body = text.split_once("\n\n").unwrap().1;
        assert_eq!(
            body,
            "a-tool.zip\n  hash: sha1-EEEE\n  hashMode: recursive\n  outPath: /nix/store/aaa-a-tool.zip\n  message:\n    (not found in the .drv)\n\
             \nb-sdk.tgz\n  hash: sha256-DDDD\n  hashMode: flat\n  outPath: /nix/store/bbb-b-sdk.tgz\n  message:\n    Go to http://vendor/b\n    and accept the licence.\n"
        );
        assert!(text.starts_with("# requireFile sources"));
    }
}
