//! A one-node Slurm cluster of this machine's 2 cores, started by a test in a temporary
//! directory of its own (slurm.conf through SLURM_CONF, state and spool dirs, free ports, its
//! own munge key and socket), and stopped, every daemon by its pid, when dropped, also when the
//! test panics.
use super::{Tmp, tmp};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Cluster {
    /// Its daemons, in the order they started: munged, slurmctld, slurmd.
    daemons: Vec<(&'static str, Child)>,
    pub dir: Tmp,
    conf: PathBuf,
}

/// Why the cluster cannot start here, if it cannot: the test is then skipped with that message.
pub fn unavailable() -> Option<String> {
    for program in [
        "munged",
        "mungekey",
        "slurmctld",
        "slurmd",
        "sbatch",
        "setpriv",
    ] {
        let found = std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()));
        if !found {
            return Some(format!(
                "{program} is not installed (apt-get install -y slurm-wlm munge; .ci/run does)"
            ));
        }
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("slurmd runs jobs as root only: run the test as root".into());
    }
    None
}

/// A TCP port nothing listens on now.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The name slurmd knows this node by: the short host name.
fn host() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    name.trim().split('.').next().unwrap().to_owned()
}

fn slurm_conf(dir: &Path, node: &str) -> String {
    let d = dir.display();
    let (ctld, slurmd) = (free_port(), free_port());
    // One node of 2 CPUs; no cgroups (proctrack/linuxproc, task/none) and no accounting: what
    // runs as root without systemd. MinJobAge keeps finished jobs known to the controller,
    // where status.sh asks for them.
    format!(
        "ClusterName=fodfuzz-test
SlurmctldHost={node}
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld}
SlurmdPort={slurmd}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={d}/munge/socket
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/log/slurmctld.log
SlurmdLogFile={d}/log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=3600
NodeName={node} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes={node} Default=YES MaxTime=INFINITE State=UP
"
    )
}

impl Cluster {
    /// Starts munged, slurmctld and slurmd (at nice 19, as what they run), and waits until the
    /// node is idle.
    pub fn start() -> Cluster {
        let dir = tmp("slurm");
        for sub in ["state", "spool", "log", "munge"] {
            std::fs::create_dir(dir.join(sub)).unwrap();
        }
        let conf = dir.join("slurm.conf");
        std::fs::write(&conf, slurm_conf(&dir, &host())).unwrap();
        let mut c = Cluster {
            daemons: Vec::new(),
            dir,
            conf,
        };
        c.start_munge();
        c.daemon("slurmctld", &["slurmctld", "-D", "-i"]);
        c.daemon("slurmd", &["slurmd", "-D"]);
        c.wait_idle();
        c
    }

    /// munged runs as the munge user and checks that its key and socket directory are its own.
    fn start_munge(&mut self) {
        let m = self.dir.join("munge");
        let ok = Command::new("chown")
            .arg("munge:munge")
            .arg(&m)
            .status()
            .unwrap();
        assert!(ok.success(), "chown munge:munge (no munge user?)");
        let key = m.join("munge.key").display().to_string();
        let o = self
            .as_munge(&["mungekey", "-c", "-k", &key])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let at = |f: &str| format!("--{f}={}", m.join(f).display());
        let mut cmd = self.as_munge(&["munged", "-F", &format!("--key-file={key}")]);
        cmd.args([
            at("socket"),
            at("pid-file"),
            at("log-file"),
            at("seed-file"),
        ]);
        self.spawn("munged", cmd);
        self.wait("munge's socket", 30, || m.join("socket").exists());
    }

    fn as_munge(&self, argv: &[&str]) -> Command {
        let mut c = Command::new("nice");
        c.args([
            "-n",
            "19",
            "setpriv",
            "--reuid=munge",
            "--regid=munge",
            "--init-groups",
        ]);
        c.args(argv);
        c
    }

    fn daemon(&mut self, name: &'static str, argv: &[&str]) {
        let mut c = Command::new("nice");
        c.args(["-n", "19"])
            .args(argv)
            .env("SLURM_CONF", &self.conf);
        self.spawn(name, c);
    }

    /// `nice` and `setpriv` exec what they run: the child's pid is the daemon's.
    fn spawn(&mut self, name: &'static str, mut cmd: Command) {
        let log = std::fs::File::create(self.dir.join("log").join(format!("{name}.out"))).unwrap();
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("{name}: {e}"));
        self.daemons.push((name, child));
    }

    /// A Slurm command (sbatch, squeue, scontrol …) or a script that runs them, on this cluster.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env("SLURM_CONF", &self.conf);
        c
    }

    /// Runs `argv` on this cluster; its output, asserting it succeeded.
    pub fn ok(&self, argv: &[&str]) -> String {
        let o: Output = self.command(argv[0]).args(&argv[1..]).output().unwrap();
        assert!(
            o.status.success(),
            "{argv:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    /// Polls `done` every 200 ms for up to `secs`; on a timeout, panics with the daemons' logs.
    pub fn wait(&self, what: &str, secs: u64, mut done: impl FnMut() -> bool) {
        let start = Instant::now();
        while !done() {
            if start.elapsed() > Duration::from_secs(secs) {
                panic!("no {what} after {secs} s\n{}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// What the daemons said, for a failure's message.
    pub fn logs(&self) -> String {
        let mut all = String::new();
        for e in std::fs::read_dir(self.dir.join("log")).unwrap() {
            let p = e.unwrap().path();
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(20).collect();
            all += &format!("--- {}\n", p.display());
            tail.iter().rev().for_each(|l| all += &format!("{l}\n"));
        }
        all
    }

    fn wait_idle(&self) {
        self.wait("idle node", 90, || {
            self.command("sinfo")
                .args(["-h", "-o", "%T"])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "idle")
        });
    }
}

impl Drop for Cluster {
    /// Cancels what still runs (a failed test's jobs), then stops slurmd, slurmctld and munged
    /// by their pids: SIGTERM, and SIGKILL after 10 s.
    fn drop(&mut self) {
        let _ = self.command("scancel").args(["--user=root"]).output();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            let o = self
                .command("squeue")
                .args(["-h", "-t", "RUNNING,COMPLETING"])
                .output();
            if !o.is_ok_and(|o| !o.stdout.is_empty()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        while let Some((_, mut child)) = self.daemons.pop() {
            // SAFETY: signals our own child, which we have not reaped yet.
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let start = Instant::now();
            while child.try_wait().ok().flatten().is_none() {
                if start.elapsed() > Duration::from_secs(10) {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}
