//! Module dependencies point one way (docs/ARCHITECTURE.md): every `crate::` and `super::` path
//! in `src/` (outside `#[cfg(test)] mod tests`) is an edge from the module that writes it to the
//! longest module its path names; a cycle among them fails the test, with its modules named.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Every module of `src/`, by path (`scan::runner::worker`), with its source.
fn modules(dir: &Path, prefix: &[String], out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).expect("src readable") {
        let path = entry.expect("entry").path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            let mut inner = prefix.to_vec();
            inner.push(name);
            modules(&path, &inner, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut segs = prefix.to_vec();
            if !matches!(name.as_str(), "mod" | "main" | "lib") {
                segs.push(name);
            }
            let text = std::fs::read_to_string(&path).expect("source readable");
            out.insert(segs.join("::"), without_tests_and_comments(&text));
        }
    }
}

fn without_tests_and_comments(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    let lines = text.lines().map(|l| match l.find("//") {
        Some(at) => &l[..at],
        None => l,
    });
    lines.collect::<Vec<_>>().join("\n")
}

/// The paths after each occurrence of `marker` (`crate::` or a run of `super::`).
fn paths_after<'a>(text: &'a str, marker: &str) -> Vec<(usize, &'a str)> {
    let mut found = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(at) = rest.find(marker) {
        let before = text[..offset + at].chars().last();
        let start = at + marker.len();
        let tail = &rest[start..];
        let len = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(tail.len());
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            found.push((offset + at, &tail[..len]));
        }
        offset += start;
        rest = &rest[start..];
    }
    found
}

/// The longest known module a path names.
fn resolve(known: &BTreeMap<String, String>, segs: &[&str]) -> Option<String> {
    (1..=segs.len())
        .rev()
        .map(|n| segs[..n].join("::"))
        .find(|m| known.contains_key(m))
}

fn graph(known: &BTreeMap<String, String>) -> Graph {
    let mut g = Graph::new();
    for (module, text) in known {
        let own: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
        let mut targets = BTreeSet::new();
        for (_, path) in paths_after(text, "crate::") {
            let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            targets.extend(resolve(known, &segs));
        }
        for (_, path) in paths_after(text, "super::") {
            let ups = 1 + path.matches("super::").count();
            let rest: Vec<&str> = path
                .split("::")
                .filter(|s| !s.is_empty() && *s != "super")
                .collect();
            let base = &own[..own.len().saturating_sub(ups)];
            let segs: Vec<&str> = base.iter().copied().chain(rest).collect();
            targets.extend(resolve(known, &segs));
        }
        // A module may name its own descendants and ancestors' items through paths; only other
        // branches are dependencies.
        targets.retain(|t| t != module && !module.starts_with(&format!("{t}::")));
        g.insert(module.clone(), targets);
    }
    g
}

/// A cycle through `start`, if any, by depth-first search.
fn cycle_from(g: &Graph, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_string(), vec![start.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((node, path)) = stack.pop() {
        for next in g.get(&node).into_iter().flatten() {
            if next == start {
                return Some(path.clone());
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

fn top_level(g: &Graph) -> Graph {
    let mut top = Graph::new();
    for (from, tos) in g {
        let a = from.split("::").next().unwrap_or("").to_string();
        for to in tos {
            let b = to.split("::").next().unwrap_or("").to_string();
            if a != b && !a.is_empty() && !b.is_empty() {
                top.entry(a.clone()).or_default().insert(b);
            }
        }
    }
    top
}

fn cycles(g: &Graph) -> Vec<Vec<String>> {
    g.keys().filter_map(|m| cycle_from(g, m)).collect()
}

#[test]
fn modules_depend_one_way() {
    let mut known = BTreeMap::new();
    modules(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &[],
        &mut known,
    );
    assert!(known.len() > 50, "src/ read: {} modules", known.len());
    let g = graph(&known);
    assert!(
        g["scan::runner::worker"].contains("scan::runner::messages"),
        "the parser sees imports"
    );
    let inner = cycles(&g);
    assert!(inner.is_empty(), "module cycles: {inner:?}");
    let top = cycles(&top_level(&g));
    assert!(top.is_empty(), "top-level module cycles: {top:?}");
}

#[test]
fn a_cycle_is_found() {
    let mut known = BTreeMap::new();
    known.insert("a".to_string(), "use crate::b::thing;".to_string());
    known.insert("b".to_string(), "use super::a::other;".to_string());
    known.insert("c".to_string(), "use crate::a;".to_string());
    let g = graph(&known);
    assert_eq!(cycles(&g).len(), 2, "{g:?}");
    let commented = without_tests_and_comments("fn f() {} // crate::a");
    known.insert("b".to_string(), commented);
    assert!(cycles(&graph(&known)).is_empty());
}
