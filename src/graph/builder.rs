//! Builds the graph on a thread of its own while the scan runs: the runner sends each root's
//! `.drv` path as its record arrives and goes on at once; reading and parsing `.drv` files never
//! holds up the loop that feeds the workers.
use super::DrvGraph;
use petgraph::graph::NodeIndex;
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;
use tokio::sync::watch;

/// The graph when every root is in, and each root's node (or why its closure could not be read),
/// by root index.
pub struct Built {
    pub graph: DrvGraph,
    pub roots: Vec<Result<NodeIndex, String>>,
}

pub struct Builder {
    roots: mpsc::Sender<(usize, String)>,
    fods: watch::Receiver<usize>,
    thread: JoinHandle<Built>,
}

impl Builder {
    /// Starts the thread; `.drv` files are read from below `store_root`.
    pub fn start(store_root: PathBuf) -> Builder {
        Builder::extend(DrvGraph::new(store_root))
    }

    /// Starts the thread on a graph that earlier runs built (a configuration search's rounds
    /// share one): a `.drv` already in it is not read again. Root indexes are this run's.
    pub fn extend(mut graph: DrvGraph) -> Builder {
        let (roots, rx) = mpsc::channel::<(usize, String)>();
        let (count, fods) = watch::channel(graph.fod_count());
        let thread = std::thread::spawn(move || {
            let mut nodes = Vec::new();
            for (index, drv_path) in rx {
                if nodes.len() <= index {
                    nodes.resize(index + 1, Err("no record".to_owned()));
                }
                // A panic reading one closure is that root's failure (an internal error).
                nodes[index] = crate::isolate::item("graph", &drv_path, || {
                    graph.add_closure(&drv_path).map_err(|e| format!("{e:#}"))
                })
                .unwrap_or_else(|m| Err(format!("internal error: {m}")));
                count.send_replace(graph.fod_count());
            }
            Built {
                graph,
                roots: nodes,
            }
        });
        Builder {
            roots,
            fods: fods.clone(),
            thread,
        }
    }

    /// Root `index` is the closure of `drv_path`.
    pub fn add_root(&self, index: usize, drv_path: String) {
        // The thread only ends when this sender is dropped.
        self.roots
            .send((index, drv_path))
            .expect("the graph thread is running");
    }

    /// Distinct FODs in the graph so far.
    pub fn fod_count(&self) -> usize {
        *self.fods.borrow()
    }

    /// Waits until every root sent is in the graph.
    pub fn finish(self) -> Built {
        drop(self.roots);
        self.thread.join().expect("the graph thread does not panic")
    }
}
