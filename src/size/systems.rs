//! Which paths belong to which system, when a scan has several: a path belongs to a system
//! when it is an output of a derivation in the build closure of one of that system's root
//! attributes (graph.jsonl's root lines carry the system). A path can belong to several.
use crate::outputs::graph_file;
use anyhow::Result;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// Each system's paths; empty when the scan has one system or no graph with outputs.
pub fn members(dir: &Path) -> Result<Vec<(String, HashSet<String>)>> {
    let Some(graph) = graph_file::read_in(dir)? else {
        return Ok(vec![]);
    };
    let mut roots: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for r in &graph.roots {
        roots.entry(r.system.as_str()).or_default().push(r.drv);
    }
    if roots.len() < 2 || graph.drvs.iter().any(|d| d.outputs.is_none()) {
        return Ok(vec![]);
    }
    let mut out = Vec::new();
    for (system, starts) in roots {
        let mut seen = vec![false; graph.drvs.len()];
        let mut stack = starts;
        let mut paths = HashSet::new();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            let d = &graph.drvs[i];
            paths.extend(d.outputs.iter().flatten().cloned());
            stack.extend(d.inputs.iter().map(|&j| j as usize).filter(|&j| !seen[j]));
        }
        out.push((system.to_owned(), paths));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closures_per_system() {
        let dir = tempfile::tempdir().unwrap();
        // a (x86) needs c; b (aarch64) needs c and d; e is nobody's.
        let graph = [
            r#"{"drv":0,"path":"/s/a.drv","outputs":["/s/a"],"inputs":[2]}"#,
            r#"{"drv":1,"path":"/s/b.drv","outputs":["/s/b","/s/b-dev"],"inputs":[2,3]}"#,
            r#"{"drv":2,"path":"/s/c.drv","outputs":["/s/c"],"inputs":[]}"#,
            r#"{"drv":3,"path":"/s/d.drv","outputs":["/s/d"],"inputs":[2]}"#,
            r#"{"drv":4,"path":"/s/e.drv","outputs":["/s/e"],"inputs":[]}"#,
            r#"{"attrPath":"a","system":"x86_64-linux","config":"{}","drv":0}"#,
            r#"{"attrPath":"b","system":"aarch64-linux","config":"{}","drv":1}"#,
        ];
        std::fs::write(dir.path().join("graph.jsonl"), graph.join("\n")).unwrap();
        let m = members(dir.path()).unwrap();
        fn names(s: &HashSet<String>) -> Vec<&str> {
            let mut v: Vec<&str> = s.iter().map(String::as_str).collect();
            v.sort();
            v
        }
        assert_eq!(m[0].0, "aarch64-linux");
        assert_eq!(names(&m[0].1), ["/s/b", "/s/b-dev", "/s/c", "/s/d"]);
        assert_eq!(m[1].0, "x86_64-linux");
        assert_eq!(names(&m[1].1), ["/s/a", "/s/c"]);
        std::fs::write(dir.path().join("graph.jsonl"), graph[..6].join("\n")).unwrap();
        assert!(
            members(dir.path()).unwrap().is_empty(),
            "one system: no split"
        );
    }
}
