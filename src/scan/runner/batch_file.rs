//! The tasks of a batch as a Nix file that the worker's repl imports, so that one short line
//! evaluates them all: `r <fz/NAME> I`, the tasks of file NAME from place I on, in order. The
//! repl reads its input through readline a byte at a time (two `pselect` and one `read` per byte,
//! about 4 µs a byte here) and answers each line with a result and a prompt: lines that spelled
//! out each task's attribute path cost a scan of release-16.03 x86_64-linux some 24 s of CPU
//! (5.6 MB for 90,759 tasks, 62 bytes a line), and a line per task still about 0.2 ms a task
//! between tasks. An error `tryEval` cannot catch ends the line: the driver settles the task that
//! failed and sends a line for the rest. `import` keeps a file's value for the life of the
//! process, so each file is read and parsed once; it is never rewritten (a new batch gets a new
//! name) and is removed once the next is written.
use super::dispatcher::{BatchTask, TaskId};
use super::messages::Job;
use crate::nix::literal;
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The search-path prefix the repl finds the files under (`-I fz=DIR`).
pub const PREFIX: &str = "fz";

pub struct BatchFiles {
    dir: PathBuf,
    /// `WORKER-PROCESS`: no two live processes write the same name.
    stem: String,
    written: u64,
    current: Option<Current>,
}

struct Current {
    name: String,
    cell: usize,
    explain: bool,
    /// The tasks in the file's order.
    order: Vec<TaskId>,
}

impl Current {
    /// Where `id` is in the file, if the file holds it for `job`. A line is sent once per batch
    /// and once after each error, so a scan of the few hundred tasks of a file is cheap.
    fn place(&self, job: &Job, id: TaskId) -> Option<usize> {
        (self.cell == job.cell && self.explain == job.explain)
            .then(|| self.order.iter().position(|&t| t == id))
            .flatten()
    }
}

impl BatchFiles {
    pub fn new(dir: &Path, worker: usize, process: u64) -> BatchFiles {
        BatchFiles {
            dir: dir.to_owned(),
            stem: format!("{worker}-{process}"),
            written: 0,
            current: None,
        }
    }

    /// The line that evaluates the tasks of `pending` from `id` on, in order, and the tasks it
    /// covers (`r <fz/NAME> I`: the batch file `NAME` and `id`'s place in it). The file is
    /// written first when the current one does not hold `id` for this job.
    pub fn line(
        &mut self,
        job: &Job,
        id: TaskId,
        pending: &VecDeque<BatchTask>,
    ) -> std::io::Result<(String, Vec<TaskId>)> {
        if self
            .current
            .as_ref()
            .and_then(|c| c.place(job, id))
            .is_none()
        {
            self.write(job, pending)?;
        }
        let c = self.current.as_ref().expect("a file was written");
        let i = c.place(job, id).expect("the file holds the task");
        Ok((
            format!("r <{PREFIX}/{}> {i}\n", c.name),
            c.order[i..].to_vec(),
        ))
    }

    fn write(&mut self, job: &Job, pending: &VecDeque<BatchTask>) -> std::io::Result<()> {
        self.remove();
        self.written += 1;
        let name = format!("{}-{}", self.stem, self.written);
        std::fs::write(self.dir.join(&name), text(job, pending))?;
        self.current = Some(Current {
            name,
            cell: job.cell,
            explain: job.explain,
            order: pending.iter().map(|t| t.id).collect(),
        });
        Ok(())
    }

    /// Removes the current file (the process that imported it keeps its value).
    pub fn remove(&mut self) {
        if let Some(c) = self.current.take() {
            let _ = std::fs::remove_file(self.dir.join(c.name));
        }
    }
}

/// `{ cell = 0; explain = false; tasks = [ { id = 7; path = [ "a" ]; } … ]; }`, a task a line.
fn text(job: &Job, tasks: &VecDeque<BatchTask>) -> String {
    let mut s = format!(
        "{{ cell = {}; explain = {}; tasks = [\n",
        job.cell, job.explain
    );
    for t in tasks {
        let _ = write!(
            s,
            "{{ id = {}; path = {};",
            t.id,
            literal::string_list(&t.path)
        );
        if let Some(of) = &t.alias_of {
            let _ = write!(s, " of = {};", literal::string_list(of));
        }
        if !t.skip.is_empty() {
            let _ = write!(s, " skip = {};", literal::string_list(&t.skip));
        }
        if t.inputs {
            s.push_str(" inputs = true;");
        }
        s.push_str(" }\n");
    }
    s.push_str("]; }\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: TaskId, path: &[&str]) -> BatchTask {
        BatchTask {
            id,
            path: path.iter().map(|s| s.to_string()).collect(),
            alias_of: None,
            skip: Vec::new(),
            inputs: false,
        }
    }

    #[test]
    fn a_file_per_batch_and_a_short_line_for_the_rest_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = BatchFiles::new(dir.path(), 1, 2);
        let job = Job {
            cell: 3,
            explain: false,
        };
        let mut pending: VecDeque<BatchTask> = [task(10, &["a"]), task(11, &["b", "c.d"])].into();
        pending[1].inputs = true;
        pending[0].alias_of = Some(vec!["z".into()]);
        pending[0].skip = vec!["p3".into()];
        let line = |files: &mut BatchFiles, job: &Job, id, pending: &VecDeque<BatchTask>| {
            files.line(job, id, pending).unwrap()
        };
        assert_eq!(
            line(&mut files, &job, 10, &pending),
            ("r <fz/1-2-1> 0\n".to_owned(), vec![10, 11])
        );
        // After an error ended the line at task 10, the rest from 11.
        assert_eq!(
            line(&mut files, &job, 11, &pending),
            ("r <fz/1-2-1> 1\n".to_owned(), vec![11])
        );
        let written = std::fs::read_to_string(dir.path().join("1-2-1")).unwrap();
        assert_eq!(
            written,
            "{ cell = 3; explain = false; tasks = [\n\
             { id = 10; path = [ \"a\" ]; of = [ \"z\" ]; skip = [ \"p3\" ]; }\n\
             { id = 11; path = [ \"b\" \"c.d\" ]; inputs = true; }\n]; }\n"
        );
        // A task the file does not hold, or another cell: a new file, the old one removed.
        let next: VecDeque<BatchTask> = [task(12, &["e"])].into();
        assert_eq!(line(&mut files, &job, 12, &next).0, "r <fz/1-2-2> 0\n");
        assert!(!dir.path().join("1-2-1").exists());
        let other = Job {
            cell: 4,
            explain: false,
        };
        assert_eq!(line(&mut files, &other, 12, &next).0, "r <fz/1-2-3> 0\n");
        files.remove();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
