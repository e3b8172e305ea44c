//! The recipes in deploy/ cannot run here (no GitHub, no cluster, no registry): each is parsed
//! and the fields that make a sharded scan work are checked, and every fodfuzz option they use
//! is one `fodfuzz scan --help` or `fodfuzz merge --help` lists.
mod common;
use common::*;
use serde_json::Value;

/// A YAML document as JSON values (yaml-rust2 parses; the checks read serde_json).
fn json(y: &yaml_rust2::Yaml) -> Value {
    use yaml_rust2::Yaml;
    match y {
        Yaml::Hash(h) => Value::Object(
            h.iter()
                .map(|(k, v)| {
                    (
                        k.as_str().map_or_else(|| format!("{k:?}"), str::to_owned),
                        json(v),
                    )
                })
                .collect(),
        ),
        Yaml::Array(a) => Value::Array(a.iter().map(json).collect()),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Real(r) => Value::String(r.clone()),
        _ => Value::Null,
    }
}

fn yaml(file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(root().join("deploy").join(file)).unwrap();
    yaml_rust2::YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .iter()
        .map(json)
        .collect()
}

/// Every `--option` in `command` is one the subcommand's help lists.
fn options_exist(command: &str) {
    for (sub, help_of) in [("fodfuzz scan", "scan"), ("fodfuzz merge", "merge")] {
        let Some(start) = command.find(sub) else {
            continue;
        };
        let help = String::from_utf8(run(fodfuzz().args([help_of, "--help"])).stdout).unwrap();
        for word in command[start..]
            .split_whitespace()
            .filter(|w| w.starts_with("--"))
        {
            let option = word.split('=').next().unwrap();
            assert!(help.contains(option), "{sub} has no {option}");
        }
    }
}

/// `--shard I/N` or `--shards N` in a command: N.
fn shards_in(command: &str) -> Option<i64> {
    if let Some(i) = command.find("--shards ") {
        return command[i + 9..].split_whitespace().next()?.parse().ok();
    }
    let rest = &command[command.find("--shard ")?..];
    let slash = rest.find('/')?;
    rest[slash + 1..].split_whitespace().next()?.parse().ok()
}

fn steps(job: &Value) -> Vec<&Value> {
    job["steps"].as_array().unwrap().iter().collect()
}

fn uses<'a>(job: &'a Value, action: &str) -> Vec<&'a Value> {
    steps(job)
        .into_iter()
        .filter(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(action)))
        .collect()
}

fn runs(job: &Value) -> String {
    steps(job)
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn github_actions_workflow_shards_uploads_merges_and_publishes() {
    let wf = &yaml("github-actions/fodfuzz-shards.yml")[0];
    let jobs = &wf["jobs"];
    let scan = &jobs["scan"];
    let matrix: Vec<i64> = scan["strategy"]["matrix"]["shard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let command = runs(scan);
    assert!(command.contains("fodfuzz scan"), "{command}");
    assert!(
        command.contains("--shard ${{ matrix.shard }}/"),
        "{command}"
    );
    let n = shards_in(&command).expect("--shard I/N");
    assert_eq!(
        matrix,
        (0..n).collect::<Vec<_>>(),
        "the matrix is every shard"
    );
    assert_eq!(wf["env"]["SHARDS"], n.to_string());
    assert_eq!(
        scan["strategy"]["fail-fast"], false,
        "one shard's failure leaves the others"
    );
    options_exist(&command);
    let upload = uses(scan, "actions/upload-artifact");
    assert_eq!(upload.len(), 1);
    assert!(
        upload[0]["with"]["name"]
            .as_str()
            .unwrap()
            .contains("${{ matrix.shard }}")
    );
    assert!(
        upload[0]["with"]["path"]
            .as_str()
            .unwrap()
            .contains("!shard/.store")
    );
    // Every job scans the same commit.
    let rev = "${{ needs.image.outputs.rev }}";
    let merge = &jobs["merge"];
    for job in [scan, merge] {
        let checkout = uses(job, "actions/checkout");
        assert_eq!(checkout[0]["with"]["ref"], rev);
        assert_eq!(
            checkout[0]["with"]["path"], "nixpkgs",
            "the tree at the shards' path"
        );
    }
    assert!(
        merge["needs"]
            .as_array()
            .unwrap()
            .contains(&Value::from("scan"))
    );
    assert_eq!(
        uses(merge, "actions/download-artifact")[0]["with"]["pattern"],
        "shard-*"
    );
    let command = runs(merge);
    assert!(
        command.contains("fodfuzz merge --out merged shards/shard-*"),
        "{command}"
    );
    options_exist(&command);
    assert!(!uses(merge, "actions/upload-pages-artifact").is_empty());
    assert_eq!(jobs["publish"]["needs"], "merge");
    assert!(!uses(&jobs["publish"], "actions/deploy-pages").is_empty());
    assert!(
        jobs["image"]["steps"]
            .to_string()
            .contains("deploy/Containerfile")
    );
}

#[test]
fn kubernetes_indexed_job_then_a_merge_job() {
    let docs = yaml("kubernetes/fodfuzz-shards.yaml");
    let kind = |k: &str, name: &str| {
        docs.iter()
            .find(|d| d["kind"] == k && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {k} {name}"))
    };
    let pvc = kind("PersistentVolumeClaim", "fodfuzz-results");
    assert_eq!(
        pvc["spec"]["accessModes"][0], "ReadWriteMany",
        "every shard's pod writes it"
    );
    let scan = &kind("Job", "fodfuzz-scan")["spec"];
    assert_eq!(scan["completionMode"], "Indexed");
    let n = scan["completions"].as_i64().unwrap();
    assert_eq!(scan["parallelism"], n);
    let pod = &scan["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    let c = &pod["containers"][0];
    let command = c["args"][0].as_str().unwrap();
    assert!(
        command.contains("--shard-index-env JOB_COMPLETION_INDEX"),
        "{command}"
    );
    assert_eq!(shards_in(command), Some(n));
    assert!(
        command.contains("--out \"$out\"")
            && command.contains("out=/results/shard-$JOB_COMPLETION_INDEX")
    );
    options_exist(command);
    let mounts = c["volumeMounts"].to_string();
    assert!(mounts.contains("/results"));
    assert!(pod["volumes"].to_string().contains("fodfuzz-results"));
    let merge = &kind("Job", "fodfuzz-merge")["spec"]["template"]["spec"];
    let command = merge["containers"][0]["args"][0].as_str().unwrap();
    assert!(command.contains("fodfuzz merge"), "{command}");
    for i in 0..n {
        assert!(
            command.contains(&format!("/results/shard-{i}")),
            "shard {i} merged"
        );
    }
    options_exist(command);
    // The merge reads the tree where the shards read it: /tree/nixpkgs, one pinned commit.
    for p in [pod, merge] {
        let init = p["initContainers"][0]["args"][0].as_str().unwrap();
        assert!(
            init.contains("/tree/nixpkgs") && init.contains("NIXPKGS_COMMIT"),
            "{init}"
        );
    }
}

#[test]
fn containerfile_is_debian_with_nix_and_fodfuzz() {
    let text = std::fs::read_to_string(root().join("deploy/Containerfile")).unwrap();
    let froms: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "a build stage and the image");
    assert!(froms[1].contains("debian:12"), "{}", froms[1]);
    let image = text.split(froms[1]).nth(1).unwrap();
    assert!(image.contains("apt-get install") && image.contains("nix-bin"));
    assert!(image.contains("COPY --from=build /out/bin/fodfuzz /usr/local/bin/fodfuzz"));
    assert!(text.contains("cargo install --locked --path ."));
    assert!(image.contains("ENTRYPOINT [\"fodfuzz\"]"));
    assert!(image.contains("USER fodfuzz"), "no root needed");
}

/// The nightly example runs as it is, twice, on a corpus tree: each night a scan and a check
/// are recorded, the page is written, and the verdict is an exit status. Its systemd units start
/// it with the settings it reads.
#[test]
fn the_nightly_job_runs_and_its_units_start_it() {
    let script = root().join("deploy/nightly/nightly.sh");
    let text = std::fs::read_to_string(&script).unwrap();
    for line in text
        .lines()
        .filter(|l| l.trim_start().starts_with("fodfuzz ") || l.contains("exec fodfuzz "))
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words.iter().position(|w| *w == "fodfuzz").unwrap();
        let help =
            String::from_utf8(run(fodfuzz().args([words[at + 1], "--help"])).stdout).unwrap();
        for option in words.iter().filter(|w| w.starts_with("--")) {
            assert!(
                help.contains(option),
                "fodfuzz {} has no {option}",
                words[at + 1]
            );
        }
    }
    let work = tmp("nightly");
    let night = || {
        let bin = std::path::Path::new(env!("CARGO_BIN_EXE_fodfuzz"))
            .parent()
            .unwrap();
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
        run(std::process::Command::new(&script)
            .env("PATH", path)
            .env("TREE", root().join("corpus/aliases"))
            .env("OUT", work.join("out"))
            .env("DB", work.join("history.db"))
            .env("PAGE", work.join("www")))
    };
    assert!(
        night().status.success(),
        "the first night has nothing to compare"
    );
    assert!(night().status.success(), "nothing regressed");
    let o = run(fodfuzz()
        .arg("report")
        .arg(work.join("history.db"))
        .arg("--json"));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let kinds: Vec<&str> = r["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["scan", "check", "scan", "check"]);
    assert!(work.join("www/index.html").is_file());

    let unit =
        std::fs::read_to_string(root().join("deploy/nightly/fodfuzz-nightly.service")).unwrap();
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap();
    assert!(exec.ends_with("/nightly.sh"), "{exec}");
    for var in ["TREE", "OUT", "DB", "PAGE", "FAIL_ON"] {
        assert!(unit.contains(&format!("Environment={var}=")), "{var}");
        assert!(
            text.contains(&format!("${{{var}")),
            "nightly.sh reads {var}"
        );
    }
    let timer =
        std::fs::read_to_string(root().join("deploy/nightly/fodfuzz-nightly.timer")).unwrap();
    assert!(timer.contains("OnCalendar=") && timer.contains("WantedBy=timers.target"));
}

/// The Slurm recipe runs for real in tests/slurm.rs; here, the commands it shares with the
/// Kubernetes Job: every fodfuzz option exists, a shard takes its index from the engine's
/// variable, a restarted one resumes when its first attempt began (plan.json), and the merge
/// reads every shard's directory.
#[test]
fn slurm_shards_run_the_commands_the_kubernetes_job_runs() {
    let read = |f: &str| std::fs::read_to_string(root().join("deploy/slurm").join(f)).unwrap();
    // The command as one line: the scripts continue it with a backslash.
    let shard = read("shard.sbatch").replace("\\\n", " ");
    let scan = shard
        .lines()
        .find(|l| l.starts_with("exec fodfuzz scan"))
        .expect("the task is fodfuzz itself");
    options_exist(scan);
    assert!(scan.contains("--shard-index-env SLURM_ARRAY_TASK_ID --shards \"$shards\""));
    assert!(shard.contains("#SBATCH --requeue"));
    let k8s = yaml("kubernetes/fodfuzz-shards.yaml");
    let pod = &k8s
        .iter()
        .find(|d| d["metadata"]["name"] == "fodfuzz-scan")
        .unwrap()["spec"]["template"]["spec"];
    let k8s_scan = pod["containers"][0]["args"][0].as_str().unwrap();
    for both in [
        "$out/.fodfuzz/plan.json",
        "again=--resume",
        "again=--force",
        "--store",
    ] {
        assert!(shard.contains(both) && k8s_scan.contains(both), "{both}");
    }
    let merge = read("merge.sbatch");
    let command = merge.lines().find(|l| l.contains("fodfuzz merge")).unwrap();
    options_exist(command);
    assert!(
        merge.contains("set -- \"$@\" \"$out/shard-$i\""),
        "every shard merged"
    );
    let submit = read("submit.sh");
    assert!(submit.contains("--array=0-$last") && submit.contains("dependency=afterok"));
}
