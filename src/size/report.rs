//! The sums `size` prints: `--json` (integers) or a small table with human sizes.
use crate::binary_cache::Sizes;
use serde_json::{Value, json};

#[derive(Clone, Copy)]
pub enum Part {
    Sources,
    Outputs,
}

/// Paths and bytes of one part.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    pub present: u64,
    pub missing: u64,
    /// Not answered (network failures): neither present nor missing.
    pub unknown: u64,
    pub file_size: u64,
    pub nar_size: u64,
}

impl Section {
    fn plus(self, o: Section) -> Section {
        Section {
            present: self.present + o.present,
            missing: self.missing + o.missing,
            unknown: self.unknown + o.unknown,
            file_size: self.file_size + o.file_size,
            nar_size: self.nar_size + o.nar_size,
        }
    }

    fn json(self) -> Value {
        json!({"present": self.present, "missing": self.missing, "unknown": self.unknown,
               "fileSize": self.file_size, "narSize": self.nar_size})
    }
}

/// Sources the cache lacks, priced from check.jsonl: `bytes` for `known` of `missing`.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Upstream {
    pub missing: u64,
    pub known: u64,
    pub bytes: u64,
}

#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sums {
    pub sources: Section,
    pub outputs: Section,
    pub upstream: Upstream,
}

impl Sums {
    /// One path's answer; `upstream` is its contentLength in check.jsonl.
    pub fn add(
        &mut self,
        part: Part,
        answer: &Result<Option<Sizes>, String>,
        upstream: Option<u64>,
    ) {
        let s = match part {
            Part::Sources => &mut self.sources,
            Part::Outputs => &mut self.outputs,
        };
        match answer {
            Ok(Some(sizes)) => {
                s.present += 1;
                s.file_size += sizes.file_size;
                s.nar_size += sizes.nar_size;
            }
            Ok(None) => {
                s.missing += 1;
                if let Part::Sources = part {
                    self.upstream.missing += 1;
                    if let Some(n) = upstream {
                        self.upstream.known += 1;
                        self.upstream.bytes += n;
                    }
                }
            }
            Err(_) => s.unknown += 1,
        }
    }

    pub fn total(&self) -> Section {
        self.sources.plus(self.outputs)
    }

    pub fn unknown(&self) -> u64 {
        self.total().unknown
    }

    fn json(&self) -> Value {
        let u = self.upstream;
        json!({"sources": self.sources.json(), "outputs": self.outputs.json(),
               "total": self.total().json(),
               "upstream": {"missing": u.missing, "known": u.known, "bytes": u.bytes}})
    }

    fn table(&self, has_check: bool) -> String {
        let mut t = format!(
            "{:<9}{:>9}{:>9}{:>9}{:>9}{:>12}{:>12}\n",
            "", "paths", "present", "missing", "unknown", "download", "unpacked"
        );
        for (name, s) in [
            ("sources", self.sources),
            ("outputs", self.outputs),
            ("total", self.total()),
        ] {
            t += &format!(
                "{name:<9}{:>9}{:>9}{:>9}{:>9}{:>12}{:>12}\n",
                s.present + s.missing + s.unknown,
                s.present,
                s.missing,
                s.unknown,
                human(s.file_size),
                human(s.nar_size)
            );
        }
        let u = self.upstream;
        t += &if has_check {
            format!(
                "not in the cache, from upstream: {} for {} of {} sources\n",
                human(u.bytes),
                u.known,
                u.missing
            )
        } else {
            format!(
                "not in the cache: {} sources (run fodfuzz check for their upstream size)\n",
                u.missing
            )
        };
        t
    }
}

pub struct Report<'a> {
    pub cache: &'a str,
    pub overall: &'a Sums,
    /// Per system, when the scan has several.
    pub systems: &'a [(String, Sums)],
    pub has_closure: bool,
    pub has_check: bool,
}

impl Report<'_> {
    pub fn json(&self) -> Value {
        let mut v = self.overall.json();
        if !self.systems.is_empty() {
            v["systems"] = self
                .systems
                .iter()
                .map(|(s, sums)| (s.clone(), sums.json()))
                .collect();
        }
        v
    }

    pub fn table(&self) -> String {
        let mut t = format!(
            "what {} holds of the scan (download: FileSize, unpacked: NarSize)\n",
            self.cache
        );
        if !self.has_closure {
            t += "no closure-paths: the outputs were not looked up\n";
        }
        for (system, sums) in self.systems {
            t += &format!("\n{system}:\n{}", sums.table(self.has_check));
        }
        if !self.systems.is_empty() {
            t += "\nall systems:\n";
        }
        t + &self.overall.table(self.has_check)
    }
}

/// `812 B`, `1.5 KiB`, `23.4 GiB`.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(human(0), "0 B");
        assert_eq!(human(1023), "1023 B");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(5 << 30), "5.0 GiB");
    }

    #[test]
    fn sums_by_part() {
        let mut s = Sums::default();
        let sized = |f, n| {
            Ok(Some(Sizes {
                file_size: f,
                nar_size: n,
            }))
        };
        s.add(Part::Sources, &sized(10, 30), Some(999));
        s.add(Part::Sources, &Ok(None), Some(7));
        s.add(Part::Sources, &Ok(None), None);
        s.add(Part::Outputs, &sized(5, 6), None);
        s.add(Part::Outputs, &Err("timeout".into()), None);
        assert_eq!(
            s.sources,
            Section {
                present: 1,
                missing: 2,
                unknown: 0,
                file_size: 10,
                nar_size: 30
            }
        );
        assert_eq!(
            s.upstream,
            Upstream {
                missing: 2,
                known: 1,
                bytes: 7
            }
        );
        assert_eq!(
            s.total(),
            Section {
                present: 2,
                missing: 2,
                unknown: 1,
                file_size: 15,
                nar_size: 36
            }
        );
        assert_eq!(s.json()["total"]["fileSize"], 15);
    }
}
