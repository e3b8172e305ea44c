//! The matrix of a scan: every (system, config) cell.
use crate::error::{BadInput, bad};
use crate::model::Cell;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

pub const DEFAULT_SYSTEMS: &[&str] = &[
    "x86_64-linux",
    "aarch64-linux",
    "x86_64-darwin",
    "aarch64-darwin",
];
pub const PERMISSIVE: &str = "{ allowBroken = true; allowUnfree = true; allowInsecurePredicate = _: true; allowUnsupportedSystem = true; pulseaudio = true; }";

/// `{"systems": [...], "configs": {"name": "nix expression", ...}}`
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatrixFile {
    systems: Option<Vec<String>>,
    configs: Option<BTreeMap<String, String>>,
}

pub fn cells(
    systems: &[String],
    configs: &[String],
    matrix: Option<&Path>,
) -> Result<Vec<Cell>, BadInput> {
    let mut systems = systems.to_vec();
    let mut named: Vec<(String, String)> = configs.iter().map(|c| (c.clone(), c.clone())).collect();
    if let Some(path) = matrix {
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad(format!("cannot read matrix file {}: {e}", path.display())))?;
        let m: MatrixFile = serde_json::from_str(&text)
            .map_err(|e| bad(format!("malformed matrix file {}: {e}", path.display())))?;
        systems.extend(m.systems.unwrap_or_default());
        named.extend(m.configs.unwrap_or_default());
    }
    if systems.is_empty() {
        systems = DEFAULT_SYSTEMS.iter().map(|s| s.to_string()).collect();
    }
    if named.is_empty() {
        named = vec![
            ("{}".into(), "{}".into()),
            (PERMISSIVE.into(), PERMISSIVE.into()),
        ];
    }
    for s in &systems {
        check_system(s)?;
    }
    let mut cells = Vec::new();
    for system in &systems {
        for (label, config) in &named {
            let cell = Cell::new(system, config, label);
            if !cells.contains(&cell) {
                cells.push(cell);
            }
        }
    }
    Ok(cells)
}

/// The one cell of a target scan: the target decides its own systems and configs; outputs name
/// the host's system and the config `target`.
pub fn target_cell() -> Cell {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        os => os,
    };
    Cell::new(&format!("{}-{os}", std::env::consts::ARCH), "{}", "target")
}

/// A Nix system is `cpu-os`, e.g. `x86_64-linux`.
fn check_system(s: &str) -> Result<(), BadInput> {
    let ok = s.split_once('-').is_some_and(|(cpu, os)| {
        let word =
            |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        word(cpu) && word(os)
    });
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "malformed system {s:?}: expected cpu-os, e.g. x86_64-linux"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_four_systems_by_two_configs() {
        let c = cells(&[], &[], None).unwrap();
        assert_eq!(c.len(), 8);
        assert_eq!(c[1].config, PERMISSIVE);
    }

    #[test]
    fn rejects_malformed_systems() {
        assert!(cells(&["x86_64linux".into()], &[], None).is_err());
        assert!(cells(&["x86_64-linux; rm".into()], &[], None).is_err());
        assert!(cells(&["armv7l-linux".into()], &["{}".into()], None).is_ok());
    }
}
