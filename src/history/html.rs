//! `fodfuzz report DB --html DIR`: one static page (DIR/index.html, the plots inline as SVG):
//! the last run, five trends over the runs, what changed since the run before, and the urls
//! dead with the check they went dead in. Nothing is fetched when it is viewed. A few lines of
//! script measure the drawn plots in the browser and note how many have lines in them
//! (`data-plots` on the body), which the tests read back from Chromium.
use super::plots::{Series, svg};
use super::query::{Report, Run};
use crate::outputs::html_escape as e;
use std::collections::BTreeSet;
use std::fmt::Write as _;

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em;max-width:1400px}\
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}\
.plots{display:flex;flex-wrap:wrap;gap:12px}.plots figure{margin:0}\
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:2px 6px;\
text-align:left;overflow-wrap:anywhere}.num{text-align:right}.muted{color:#666}";

const CHECK: &str = r#"<script>
document.body.dataset.plots = [...document.querySelectorAll('figure svg')]
  .filter(s => s.getBoundingClientRect().width > 0 &&
    [...s.querySelectorAll('polyline[stroke-width="2"]')].some(l => l.getBBox().width > 0))
  .length;
</script>"#;

/// Rows shown in a table before the rest is only counted.
const SHOWN: usize = 200;

pub fn page(r: &Report) -> String {
    let mut body = String::new();
    let latest = r.run(r.latest).or(r.runs.last());
    let _ = write!(body, "<h1>fodfuzz: {} runs</h1>", r.runs.len());
    if let Some(l) = latest {
        let _ = write!(body, "<p id=\"latest\">{}</p>", e(&describe(l)));
    }
    body += &plots(r);
    body += &changes(r);
    body += &dead(r);
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>fodfuzz history</title>\
         <style>{STYLE}</style></head><body>{body}{CHECK}</body></html>\n"
    )
}

fn describe(l: &Run) -> String {
    let n = |v: Option<i64>| v.map_or("?".to_owned(), |v| v.to_string());
    format!(
        "last {} run {} ({}): {} FODs, {} failures, coverage {}, {} s; tree {} {}; {}",
        l.kind,
        l.id,
        l.recorded,
        n(l.fods),
        n(l.failures),
        l.coverage.map_or("?".into(), |c| format!("{c:.2} %")),
        l.wall.map_or("?".into(), |w| format!("{w:.0}")),
        l.tree.as_deref().unwrap_or("?"),
        l.revision.as_deref().unwrap_or(""),
        l.nix.as_deref().unwrap_or("")
    )
}

fn series<'a>(
    name: &str,
    runs: impl Iterator<Item = &'a Run>,
    f: impl Fn(&Run) -> Option<f64>,
) -> Series {
    Series {
        name: name.to_owned(),
        points: runs.filter_map(|r| Some((r.id, f(r)?))).collect(),
    }
}

fn plots(r: &Report) -> String {
    let kinds: BTreeSet<&String> = r.scans().flat_map(|s| s.failure_kinds.keys()).collect();
    let by_kind: Vec<Series> = kinds
        .iter()
        .map(|k| {
            series(k, r.scans(), |s| {
                Some(*s.failure_kinds.get(*k).unwrap_or(&0) as f64)
            })
        })
        .collect();
    let charts = [
        svg(
            "FODs",
            "FODs",
            &[series("FODs", r.scans(), |s| s.fods.map(|v| v as f64))],
        ),
        svg(
            "Coverage of the tree's hash literals",
            "%",
            &[series("coverage", r.scans(), |s| s.coverage)],
        ),
        svg("Failures by kind", "attributes", &by_kind),
        svg(
            "Dead urls and hash mismatches (fodfuzz check)",
            "FODs",
            &[
                series("dead", r.checks(), |c| c.dead.map(|v| v as f64)),
                series("hash-mismatch", r.checks(), |c| {
                    c.mismatched.map(|v| v as f64)
                }),
            ],
        ),
        svg(
            "Run time",
            "seconds",
            &[series("wall", r.scans(), |s| s.wall)],
        ),
    ];
    let mut s = String::from("<h2>Trends</h2><div class=\"plots\">");
    for c in charts {
        let _ = write!(s, "<figure>{c}</figure>");
    }
    s + "</div>"
}

fn changes(r: &Report) -> String {
    let (Some(l), Some(p)) = (r.latest, r.previous) else {
        return "<h2>Changes</h2><p class=\"muted\">One scan so far: nothing to compare.</p>"
            .into();
    };
    let mut s = format!("<h2>Changes from run {p} to run {l}</h2>");
    let fods = |title: &str, id: &str, list: &[super::query::Fod]| {
        let rows: Vec<String> = list
            .iter()
            .take(SHOWN)
            .map(|f| {
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    e(&f.name),
                    e(&f.out_path),
                    e(&f.urls.join(" "))
                )
            })
            .collect();
        table(
            title,
            id,
            list.len(),
            "<tr><th>name</th><th>outPath</th><th>urls</th></tr>",
            &rows,
        )
    };
    s += &fods("FODs new", "new-fods", &r.new_fods);
    s += &fods("FODs gone", "gone-fods", &r.gone_fods);
    let rows: Vec<String> = r
        .newly_unreached
        .iter()
        .take(SHOWN)
        .map(|u| {
            format!(
                "<tr><td>{}:{}</td><td>{}</td><td>{}</td></tr>",
                e(&u.file),
                u.line,
                e(u.reason.as_deref().unwrap_or("")),
                e(u.detail.as_deref().unwrap_or(""))
            )
        })
        .collect();
    s += &table(
        "Literals newly unreached",
        "newly-unreached",
        r.newly_unreached.len(),
        "<tr><th>file:line</th><th>reason</th><th>detail</th></tr>",
        &rows,
    );
    if !r.new_failure_kinds.is_empty() {
        let _ = write!(
            s,
            "<p>New kinds of failure: {}</p>",
            e(&r.new_failure_kinds.join(", "))
        );
    }
    s
}

fn dead(r: &Report) -> String {
    let rows: Vec<String> = r
        .dead_urls
        .iter()
        .take(SHOWN)
        .map(|d| {
            format!(
                "<tr><td>{}</td><td>{} (run {})</td><td>{}</td></tr>",
                e(&d.url),
                e(&d.dead_since),
                d.dead_since_run,
                e(&d.out_path)
            )
        })
        .collect();
    table(
        "Dead urls, the longest dead first",
        "dead-urls",
        r.dead_urls.len(),
        "<tr><th>url</th><th>dead since</th><th>outPath</th></tr>",
        &rows,
    )
}

fn table(title: &str, id: &str, total: usize, head: &str, rows: &[String]) -> String {
    let more = if total > rows.len() {
        format!(
            "<p class=\"muted\">and {} more (fodfuzz report --json lists all)</p>",
            total - rows.len()
        )
    } else {
        String::new()
    };
    format!(
        "<h3>{title} ({total})</h3><table id=\"{id}\">{head}{}</table>{more}",
        rows.concat()
    )
}
