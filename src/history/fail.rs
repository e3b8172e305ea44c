//! `--fail-on`: the conditions under which a nightly job should fail, judged on the history's
//! last runs: a url dead that was not before (`new-dead`), coverage down by more than some
//! points (`coverage-drop=0.5`), a kind of failure the run before did not have
//! (`new-failure-kind`), FODs gone since the run before (`gone-fods`).
use super::query::Report;
use crate::error::{BadInput, bad};

#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    NewDead,
    CoverageDrop(f64),
    NewFailureKind,
    GoneFods,
}

/// `new-dead,coverage-drop=0.5,new-failure-kind,gone-fods`, any of them.
pub fn parse(s: &str) -> Result<Vec<Condition>, BadInput> {
    s.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| match c.split_once('=') {
            None if c == "new-dead" => Ok(Condition::NewDead),
            None if c == "new-failure-kind" => Ok(Condition::NewFailureKind),
            None if c == "gone-fods" => Ok(Condition::GoneFods),
            Some(("coverage-drop", n)) => n
                .parse::<f64>()
                .ok()
                // Points: a finite number, at least 0 (`inf` would never fail a run).
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(Condition::CoverageDrop)
                .ok_or_else(|| {
                    bad(format!(
                        "--fail-on {c}: coverage-drop takes points, e.g. 0.5"
                    ))
                }),
            _ => Err(bad(format!(
                "--fail-on {c}: one of new-dead, coverage-drop=POINTS, new-failure-kind, gone-fods"
            ))),
        })
        .collect()
}

/// What holds, one line each.
pub fn judge(conditions: &[Condition], r: &Report) -> Vec<String> {
    let mut out = Vec::new();
    for c in conditions {
        match c {
            Condition::NewDead if !r.new_dead.is_empty() => out.push(format!(
                "new-dead: {} url(s) dead since the last check, first {}",
                r.new_dead.len(),
                r.new_dead[0].url
            )),
            Condition::CoverageDrop(points) => {
                let cov = |id| r.run(id).and_then(|run| run.coverage);
                if let (Some(now), Some(before)) = (cov(r.latest), cov(r.previous))
                    && before - now > *points
                {
                    out.push(format!(
                        "coverage-drop: {now:.2} % after {before:.2} % ({:.2} points, more than {points})",
                        before - now
                    ));
                }
            }
            Condition::NewFailureKind if !r.new_failure_kinds.is_empty() => out.push(format!(
                "new-failure-kind: {}",
                r.new_failure_kinds.join(", ")
            )),
            Condition::GoneFods if !r.gone_fods.is_empty() => out.push(format!(
                "gone-fods: {} FOD(s) the run before had, first {}",
                r.gone_fods.len(),
                r.gone_fods[0].name
            )),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::query::{DeadUrl, Run};

    #[test]
    fn conditions_parse_and_judge() {
        let c = parse("new-dead, coverage-drop=0.5,new-failure-kind").unwrap();
        assert_eq!(
            c,
            [
                Condition::NewDead,
                Condition::CoverageDrop(0.5),
                Condition::NewFailureKind
            ]
        );
        assert!(parse("coverage-drop=x").is_err());
        assert!(parse("everything").is_err());
        let run = |id, coverage| Run {
            id,
            kind: "scan".into(),
            coverage: Some(coverage),
            ..Run::default()
        };
        let mut r = Report {
            runs: vec![run(1, 90.0), run(2, 89.6)],
            latest: Some(2),
            previous: Some(1),
            ..Report::default()
        };
        assert!(judge(&c, &r).is_empty(), "0.4 points is within 0.5");
        r.runs[1].coverage = Some(89.4);
        r.new_failure_kinds = vec!["oom".into()];
        r.new_dead = vec![DeadUrl {
            out_path: "/nix/store/x".into(),
            url: "http://gone".into(),
            dead_since: "now".into(),
            dead_since_run: 3,
        }];
        let said = judge(&c, &r);
        assert_eq!(said.len(), 3, "{said:?}");
        assert!(
            said[1].starts_with("coverage-drop: 89.40 % after 90.00 %"),
            "{said:?}"
        );
    }

    use proptest::prelude::*;

    proptest! {
        /// Any text: conditions or bad input, never a panic.
        #[test]
        fn any_text_is_conditions_or_bad_input(s in "(?s)(new-dead|coverage-drop=|gone-fods|,| )*.{0,20}") {
            if let Ok(c) = parse(&s) {
                prop_assert!(c.len() <= s.split(',').count());
            }
        }

        /// Every list of conditions reads back in order; each cut short, extended, or a drop
        /// that is no finite number of points at least 0 is bad input.
        #[test]
        fn lists_and_near_misses(picks in proptest::collection::vec(0usize..4, 1..5), points in 0.0f64..100.0, more in "[a-z=-]{1,3}", cut in 1usize..9) {
            let names = ["new-dead", "new-failure-kind", "gone-fods"];
            let text: Vec<String> = picks
                .iter()
                .map(|&p| names.get(p).map_or(format!("coverage-drop={points}"), |n| n.to_string()))
                .collect();
            let want: Vec<Condition> = picks
                .iter()
                .map(|&p| match p {
                    0 => Condition::NewDead,
                    1 => Condition::NewFailureKind,
                    2 => Condition::GoneFods,
                    _ => Condition::CoverageDrop(points),
                })
                .collect();
            prop_assert_eq!(parse(&text.join(",")).unwrap(), want);
            for n in names {
                prop_assert!(parse(&n[..n.len() - cut.min(n.len() - 1)]).is_err(), "{} cut", n);
                prop_assert!(parse(&format!("{n}{more}")).is_err(), "{}{}", n, more);
            }
            for p in ["", "-1", "NaN", "inf", "-inf", "1e999", "x", "0.5.5"] {
                prop_assert!(parse(&format!("coverage-drop={p}")).is_err(), "{:?}", p);
            }
        }
    }
}
