//! deploy/slurm on a real Slurm: a one-node cluster started by the test (tests/common/slurm.rs)
//! runs corpus/basic as an array of 3 shards and the merge through the scheduler, and the merged
//! scan is byte for byte one scan of the tree; then a shard killed mid-run (SIGKILL) and
//! requeued resumes its journal and the merge is still that scan; then a shard that fails for
//! good (its node's nix-instantiate is broken) leaves the merge unrun, and status.sh names the
//! shard and why. Skipped, saying so, where Slurm and munge are not installed, unless
//! FODFUZZ_TEST_SLURM=required (CI sets it): then that is a failure.
mod common;
use common::same_scan::assert_same_scan;
use common::slurm::{Cluster, unavailable};
use common::*;
use std::path::Path;
use std::time::Instant;

/// A generous timeout: the corpus's endless attribute costs it twice (two cells), and a tighter
/// one can time out another attribute on a loaded machine, which makes two scans differ.
const SCAN: &[&str] = &[
    "--system",
    "x86_64-linux",
    "--system",
    "aarch64-linux",
    "--config",
    "{}",
    "--attr-timeout",
    "20",
    "--quiet",
];

/// How long a sharded scan may take through the scheduler on a loaded 2-core machine.
const PATIENCE: u64 = 900;

/// The job ids submit.sh recorded in OUT/slurm-jobs.
struct Jobs {
    array: String,
    merge: String,
}

/// deploy/slurm/submit.sh TREE OUT --shards 3 -- SCAN…, with `path` as the jobs' PATH; checks
/// what it prints.
fn submit(c: &Cluster, out: &Path, path: &str) -> Jobs {
    let o = c
        .command(root().join("deploy/slurm/submit.sh"))
        .env("PATH", path)
        .env("FODFUZZ_SCRATCH", c.dir.join("scratch"))
        .arg(root().join("corpus/basic"))
        .arg(out)
        .args(["--shards", "3", "--"])
        .args(SCAN)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let recorded = std::fs::read_to_string(out.join("slurm-jobs")).unwrap();
    let field = |k: &str| {
        let line = recorded
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")));
        line.unwrap_or_else(|| panic!("no {k} in slurm-jobs: {recorded}"))
            .to_owned()
    };
    let jobs = Jobs {
        array: field("array"),
        merge: field("merge"),
    };
    for words in [
        format!("job array {}", jobs.array),
        format!("merge: job {}", jobs.merge),
        format!("{}/merged", out.display()),
    ] {
        assert!(said.contains(&words), "submit.sh says {words:?}: {said}");
    }
    jobs
}

/// deploy/slurm/status.sh OUT: its exit status and what it said.
fn status(c: &Cluster, out: &Path) -> (i32, String) {
    let o = c
        .command(root().join("deploy/slurm/status.sh"))
        .arg(out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    (o.status.code().unwrap_or(-1), text)
}

/// Polls status.sh until the scan is no longer pending or running (75).
fn finished(c: &Cluster, out: &Path) -> (i32, String) {
    let mut last = (75, String::new());
    c.wait("end of the scan", PATIENCE, || {
        last = status(c, out);
        last.0 != 75
    });
    last
}

/// `scontrol show job JOB`'s JobState.
fn state(c: &Cluster, job: &str) -> String {
    let text = c.ok(&["scontrol", "show", "job", "-o", job]);
    let at = text.find("JobState=").expect("JobState") + 9;
    text[at..].split_whitespace().next().unwrap().to_owned()
}

/// The PATH of the jobs: this build's fodfuzz first, then `extra` (a directory of fakes).
fn jobs_path(extra: Option<&Path>) -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_fodfuzz")).parent().unwrap();
    let mut dirs = vec![bin.display().to_string()];
    dirs.extend(extra.map(|d| d.display().to_string()));
    dirs.push(std::env::var("PATH").unwrap());
    dirs.join(":")
}

#[test]
fn shards_on_slurm_survive_a_kill_and_hold_the_merge_on_a_failure() {
    if let Some(why) = unavailable() {
        // CI installs Slurm and sets this, so that a skip there is a failure, not a pass.
        let required = std::env::var_os("FODFUZZ_TEST_SLURM").is_some_and(|v| v == "required");
        assert!(!required, "FODFUZZ_TEST_SLURM=required, but: {why}");
        eprintln!("skipped: Slurm test: {why}");
        return;
    }
    let started = Instant::now();
    let whole = tmp("slurm-whole");
    let o = run(fodfuzz()
        .arg("scan")
        .arg(root().join("corpus/basic"))
        .arg("--out")
        .arg(&whole)
        .args(SCAN)
        .args(["--jobs", "2"]));
    assert!(o.status.success(), "the one scan");
    let cluster = Cluster::start();
    eprintln!(
        "slurm: node idle after {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let out = tmp("slurm-clean");
    submit(&cluster, &out, &jobs_path(None));
    let (code, said) = finished(&cluster, &out);
    assert_eq!(code, 0, "{said}");
    assert_same_scan(&whole, &out.join("merged"), "3 shards on Slurm");
    eprintln!(
        "slurm: clean run done after {:.0} s",
        started.elapsed().as_secs_f64()
    );

    killed_and_requeued(&cluster, &whole);
    eprintln!(
        "slurm: kill and requeue done after {:.0} s",
        started.elapsed().as_secs_f64()
    );
    failing_shard(&cluster);
    eprintln!("slurm: test took {:.0} s", started.elapsed().as_secs_f64());
}

/// Shard 1 (the largest of corpus/basic's split in 3) gets SIGKILL from Slurm once it has
/// journaled a few attributes; requeued, it resumes its journal, and the merge still gives the
/// one scan.
fn killed_and_requeued(c: &Cluster, whole: &Path) {
    let out = tmp("slurm-kill");
    let jobs = submit(c, &out, &jobs_path(None));
    let task = format!("{}_1", jobs.array);
    let journal = out.join("shard-1/journal.jsonl");
    c.wait("shard 1's journal", PATIENCE, || {
        std::fs::read_to_string(&journal).is_ok_and(|j| j.lines().count() >= 4)
    });
    // --batch: the signal itself, to the task's process (a plain scancel --signal=KILL is a
    // cancel, which sends SIGTERM first, and fodfuzz would end tidily).
    c.ok(&["scancel", "--signal=KILL", "--batch", &task]);
    c.wait("the killed task's end", 60, || state(c, &task) == "FAILED");
    assert!(
        !out.join("shard-1/summary.json").exists(),
        "killed before it finished (SIGKILL leaves no summary)"
    );
    let (code, said) = status(c, &out);
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains(&format!("shard 1/3 (job {task}): FAILED")),
        "{said}"
    );
    assert!(said.contains("exit 0:9"), "killed by signal 9: {said}");
    c.ok(&["scontrol", "requeue", &task]);
    // A requeued job is held two minutes before it may start again; not in a test.
    c.ok(&[
        "scontrol",
        "update",
        &format!("JobId={task}"),
        "StartTime=now",
    ]);
    let (code, said) = finished(c, &out);
    assert_eq!(code, 0, "{said}");
    let log = std::fs::read_to_string(out.join("logs/shard-1.out")).unwrap();
    assert!(log.contains("attempt 2, --resume"), "{log}");
    let replayed: u64 = log
        .split(" from the journal)")
        .next()
        .and_then(|s| s.rsplit('(').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count from the journal: {log}"));
    assert!(
        replayed >= 4,
        "the second attempt replayed the first's journal: {log}"
    );
    assert_same_scan(whole, &out.join("merged"), "3 shards on Slurm, one killed");
}

/// Shard 2 runs where nix-instantiate is broken: it fails for good, the merge never starts, and
/// status.sh names the shard, its exit status and fodfuzz's line saying why.
fn failing_shard(c: &Cluster) {
    let fakes = tmp("slurm-broken-nix");
    let real = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join("nix-instantiate"))
        .find(|p| p.is_file())
        .expect("nix-instantiate on PATH");
    let fake = fakes.join("nix-instantiate");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\n# Broken on shard 2's node only.\n\
             [ \"$SLURM_ARRAY_TASK_ID\" = 2 ] && {{ echo 'error: no store here' >&2; exit 1; }}\n\
             exec {} \"$@\"\n",
            real.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = tmp("slurm-fail");
    let jobs = submit(c, &out, &jobs_path(Some(&fakes)));
    let (code, said) = finished(c, &out);
    assert_eq!(code, 1, "{said}");
    let task = format!("{}_2", jobs.array);
    let line = said
        .lines()
        .find(|l| l.starts_with("shard 2/3"))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(line.contains(&format!("(job {task}): FAILED")), "{line}");
    assert!(
        line.contains("exit 2:0"),
        "fodfuzz's bad-input status: {line}"
    );
    assert!(
        line.contains("nix-instantiate printed no version"),
        "why: {line}"
    );
    // The others end; the merge is never started.
    c.wait("the other shards", PATIENCE, || {
        ["0", "1"].iter().all(|i| {
            let s = state(c, &format!("{}_{i}", jobs.array));
            s != "PENDING" && s != "RUNNING"
        })
    });
    let merge = c.ok(&["scontrol", "show", "job", "-o", &jobs.merge]);
    assert!(
        merge.contains("JobState=PENDING Reason=DependencyNeverSatisfied"),
        "{merge}"
    );
    assert!(!out.join("merged").exists() && !out.join("logs/merge.out").exists());
    let (_, said) = status(c, &out);
    assert!(said.contains("will not be written"), "{said}");
    c.ok(&["scancel", &jobs.merge]);
}
