//! coverage/: an HTML report that reads like lcov's genhtml. `index.html` gives the totals, the
//! reasons, and one row per directory; each directory's `index.html` one row per file; each
//! file's page (`<path>.html`) its source (of a large file, the lines near its literals), every
//! hash literal's line marked reached or not, with the reason beside it. Written into a
//! temporary directory that replaces the old one.
use super::files::percent;
use super::report::{Coverage, FileCoverage, SiteCoverage};
use crate::outputs::html_escape as escape;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

const STYLE: &str = "body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse}\
td,th{padding:2px 10px;text-align:left}th{background:#ddd}tr:nth-child(even){background:#f4f4f4}\
.num{text-align:right}.bar{width:120px;height:10px;background:#e55;display:inline-block}\
.bar span{display:block;height:10px;background:#5b5}pre{margin:0;line-height:1.25}\
.hit{background:#cfc}.miss{background:#fcc}\
.why{color:#a00;font-style:italic}";

fn page(title: &str, up: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>{STYLE}</style></head><body>\n<h1>{t}</h1>\n<p><a href=\"{up}index.html\">top</a></p>\n{body}</body></html>\n",
        t = escape(title)
    )
}

fn counts(hit: usize, all: usize) -> String {
    let pct = percent(hit, all);
    format!(
        "<td><div class=\"bar\"><span style=\"width:{:.0}%\"></span></div></td>\
         <td class=\"num\">{pct:.1} %</td><td class=\"num\">{hit}</td><td class=\"num\">{all}</td>",
        pct
    )
}

fn header(first: &str) -> String {
    format!(
        "<tr><th>{first}</th><th></th><th>coverage</th><th>reached</th><th>literals</th></tr>\n"
    )
}

/// The directory a file is listed under.
fn dir_of(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(d, _)| d)
}

/// A directory's page, relative to the report.
fn dir_page(dir: &str) -> String {
    if dir.is_empty() {
        "index-top.html".to_owned()
    } else {
        format!("{dir}/index.html")
    }
}

/// `../` as many times as `path` has directories.
fn up(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

fn index(c: &Coverage, dirs: &BTreeMap<&str, Vec<&FileCoverage>>) -> String {
    let (all, hit) = (c.literals(), c.reached());
    let mut b = format!(
        "<p id=\"totals\">{hit} of {all} hash literals reached ({:.1} %)</p>\n<table>\n\
         <tr><th>not reached because</th><th>literals</th></tr>\n",
        percent(hit, all)
    );
    for (r, n) in c.by_reason() {
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td class=\"num\">{n}</td></tr>",
            r.as_str()
        );
    }
    b.push_str("</table>\n<h2>Directories</h2>\n<table>\n");
    b.push_str(&header("directory"));
    for (dir, files) in dirs {
        let all: usize = files.iter().map(|f| f.literals()).sum();
        let hit: usize = files.iter().map(|f| f.reached()).sum();
        let name = if dir.is_empty() { "." } else { dir };
        let _ = writeln!(
            b,
            "<tr><td><a href=\"{}\">{}</a></td>{}</tr>",
            escape(&dir_page(dir)),
            escape(name),
            counts(hit, all)
        );
    }
    b.push_str("</table>\n");
    page("fodfuzz coverage", "", &b)
}

fn directory(dir: &str, files: &[&FileCoverage]) -> String {
    let all: usize = files.iter().map(|f| f.literals()).sum();
    let hit: usize = files.iter().map(|f| f.reached()).sum();
    let mut b = format!(
        "<p id=\"totals\">{hit} of {all} hash literals reached ({:.1} %)</p>\n<table>\n{}",
        percent(hit, all),
        header("file")
    );
    for f in files {
        let name = f.file.rsplit('/').next().unwrap_or(&f.file);
        let _ = writeln!(
            b,
            "<tr><td><a href=\"{n}.html\">{n}</a></td>{}</tr>",
            counts(f.reached(), f.literals()),
            n = escape(name)
        );
    }
    b.push_str("</table>\n");
    let title = if dir.is_empty() { "." } else { dir };
    page(title, &up(&dir_page(dir)), &b)
}

/// Files larger than this show only the lines near their literals (generated package sets of
/// megabytes would make the report several times the tree).
const WHOLE_UP_TO: usize = 64 * 1024;
/// Lines shown on each side of a literal in such a file.
const CONTEXT: u32 = 3;

/// A literal's line: marked reached or not, with the reasons beside it.
fn marked(b: &mut String, n: u32, line: &str, sites: &[&SiteCoverage]) {
    let missed: Vec<String> = sites
        .iter()
        .filter_map(|s| s.unreached.as_ref())
        .map(|w| match w.detail.as_str() {
            "" => w.reason.as_str().to_owned(),
            d => format!("{}: {d}", w.reason.as_str()),
        })
        .collect();
    let class = if missed.is_empty() { "hit" } else { "miss" };
    let _ = write!(
        b,
        "<span id=\"L{n}\" class=\"{class}\">{}</span>",
        escape(line)
    );
    if !missed.is_empty() {
        let _ = write!(
            b,
            "  <span class=\"why\">◀ {}</span>",
            escape(&missed.join("; "))
        );
    }
}

/// The source with line numbers (plain text: a span a line would double the report's size).
fn source(f: &FileCoverage, text: &str) -> String {
    let mut marks: BTreeMap<u32, Vec<&SiteCoverage>> = BTreeMap::new();
    for s in &f.sites {
        marks.entry(s.line).or_default().push(s);
    }
    let whole = text.len() <= WHOLE_UP_TO;
    let near = |n: u32| {
        let from = n.saturating_sub(CONTEXT);
        marks.range(from..=n + CONTEXT).next().is_some()
    };
    let mut b = format!(
        "<p id=\"totals\">{} of {} hash literals reached ({:.1} %)</p>\n{}<pre>",
        f.reached(),
        f.literals(),
        percent(f.reached(), f.literals()),
        if whole {
            ""
        } else {
            "<p>A large file: the lines near its literals.</p>\n"
        }
    );
    let mut skipped = 0;
    for (i, line) in text.lines().enumerate() {
        let n = i as u32 + 1;
        if !whole && !near(n) {
            skipped += 1;
            continue;
        }
        if skipped > 0 {
            let _ = writeln!(b, "{:>6}  ⋮ {skipped} lines", "");
            skipped = 0;
        }
        let _ = write!(b, "{n:>6}  ");
        match marks.get(&n) {
            None => b.push_str(&escape(line)),
            Some(sites) => marked(&mut b, n, line, sites),
        }
        b.push('\n');
    }
    if skipped > 0 {
        let _ = writeln!(b, "{:>6}  ⋮ {skipped} lines", "");
    }
    b.push_str("</pre>\n");
    page(&f.file, &up(&f.file), &b)
}

/// A page of the report: a directory's index, or a file's source.
enum Page<'a> {
    Directory(&'a str, &'a [&'a FileCoverage]),
    Source(&'a FileCoverage),
}

/// Writes the report into `out/coverage`, reading each file's source from `tree`.
pub fn write(out: &Path, tree: &Path, c: &Coverage) -> Result<()> {
    let tmp = out.join(".coverage.tmp");
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    let mut dirs: BTreeMap<&str, Vec<&FileCoverage>> = BTreeMap::new();
    for f in &c.files {
        dirs.entry(dir_of(&f.file)).or_default().push(f);
    }
    let put = |rel: &str, text: String| -> Result<()> {
        let p = tmp.join(rel);
        // create_dir_all succeeds when another thread has just created the directory.
        std::fs::create_dir_all(p.parent().unwrap())?;
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))
    };
    put("index.html", index(c, &dirs))?;
    let pages: Vec<Page> = dirs
        .iter()
        .flat_map(|(dir, files)| {
            let files = files.as_slice();
            std::iter::once(Page::Directory(dir, files))
                .chain(files.iter().map(|f| Page::Source(f)))
        })
        .collect();
    // Thousands of pages (11,223 for release-16.03): on every core, since a scan writes its
    // report when its workers are done.
    crate::parallel::map(&pages, |page| match page {
        Page::Directory(dir, files) => put(&dir_page(dir), directory(dir, files)),
        Page::Source(f) => {
            let text = std::fs::read(tree.join(&f.file)).unwrap_or_default();
            put(
                &format!("{}.html", f.file),
                source(f, &String::from_utf8_lossy(&text)),
            )
        }
    })
    .into_iter()
    .collect::<Result<()>>()?;
    let dest = out.join("coverage");
    if dest.exists() {
        std::fs::remove_dir_all(&dest)?;
    }
    std::fs::rename(&tmp, &dest).context("writing coverage/")
}
