//! Who reaches each FOD, per cell: how many attributes, and the nearest few. One breadth-first
//! walk against the edges from each FOD output (from every `.drv` with that output at once)
//! visits every derivation whose closure holds it, level by level: the attributes met are
//! counted, and those of the first level that has one (per cell) are the nearest; attributes
//! that failed (reaching it partially, see `Via`) are counted apart and are the nearest only
//! when no other attribute of the cell reaches the FOD. The walks
//! together cost the sum of the FODs' ancestor sets (13.7 million visits on release-16.03),
//! and hold only what one walk needs: no list of every reach is ever built.
use crate::model::{CellReach, NEAREST, Nearest, Reach};
use petgraph::graph::{DiGraph, NodeIndex};

/// Adjacency lists in one array each (`start[i]..start[i + 1]` in `items`).
struct Lists {
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Lists {
    fn build(n: usize, mut pairs: Vec<(u32, u32)>) -> Lists {
        pairs.sort_unstable();
        pairs.dedup();
        let mut start = vec![0u32; n + 1];
        for &(a, _) in &pairs {
            start[a as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        Lists {
            start,
            items: pairs.into_iter().map(|(_, b)| b).collect(),
        }
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.start[i] as usize..self.start[i + 1] as usize
    }
}

/// What one cell has met so far in a walk: of attributes whose derivation evaluated, and of
/// those that failed.
#[derive(Clone, Default)]
struct Cell {
    whole: Met,
    partial: Met,
}

/// The attributes of one kind a cell has met so far in a walk.
#[derive(Clone, Default)]
struct Met {
    attributes: u64,
    /// The level of the first attribute met; `None`: none yet.
    distance: Option<u32>,
    /// Ranks of the nearest attributes, sorted, at most NEAREST.
    nearest: Vec<u32>,
}

/// The graph against its edges, with the roots of each derivation.
pub struct Walker<'a> {
    /// The distinct roots, sorted: a root's rank is its place here.
    reaches: Vec<&'a Reach>,
    /// Each rank's cell: an index into `cells`.
    cell_of: Vec<u32>,
    cells: Vec<(&'a str, &'a str)>,
    /// Derivations that have each one as an input.
    users: Lists,
    /// The ranks of the roots whose derivation each node is.
    roots_at: Lists,
    /// The walk that last saw each node, and that last counted each rank.
    seen: Vec<u32>,
    counted: Vec<u32>,
    walk: u32,
}

impl<'a> Walker<'a> {
    pub fn new<N, E>(graph: &DiGraph<N, E>, roots: &'a [(Reach, NodeIndex)]) -> Walker<'a> {
        let n = graph.node_count();
        let mut reaches: Vec<&Reach> = roots.iter().map(|(r, _)| r).collect();
        reaches.sort();
        reaches.dedup();
        let mut cells: Vec<(&str, &str)> = reaches
            .iter()
            .map(|r| (r.system.as_str(), r.config.as_str()))
            .collect();
        cells.sort_unstable();
        cells.dedup();
        let cell_of = reaches
            .iter()
            .map(|r| (r.system.as_str(), r.config.as_str()))
            .map(|c| cells.binary_search(&c).unwrap_or(0) as u32)
            .collect();
        let rank = |r: &Reach| reaches.binary_search(&r).unwrap_or(0) as u32;
        let at = roots
            .iter()
            .map(|(r, node)| (node.index() as u32, rank(r)))
            .collect();
        let users = graph
            .edge_indices()
            .filter_map(|e| graph.edge_endpoints(e))
            .map(|(user, input)| (input.index() as u32, user.index() as u32))
            .collect();
        Walker {
            cell_of,
            cells,
            users: Lists::build(n, users),
            roots_at: Lists::build(n, at),
            seen: vec![0; n],
            counted: vec![0; reaches.len()],
            reaches,
            walk: 0,
        }
    }

    /// Who reaches any of `sources` (the `.drv`s of one output), per cell, sorted by cell; empty
    /// when no root does.
    pub fn reach(&mut self, sources: &[NodeIndex]) -> Vec<CellReach> {
        self.walk += 1;
        let mut met = vec![Cell::default(); self.cells.len()];
        let mut level: Vec<u32> = Vec::new();
        for s in sources {
            let s = s.index();
            if self.seen[s] != self.walk {
                self.seen[s] = self.walk;
                level.push(s as u32);
            }
        }
        let mut distance = 0;
        while !level.is_empty() {
            let mut next = Vec::new();
            for &node in &level {
                for k in self.roots_at.range(node as usize) {
                    self.meet(&mut met, self.roots_at.items[k], distance);
                }
                for &user in &self.users.items[self.users.range(node as usize)] {
                    if self.seen[user as usize] != self.walk {
                        self.seen[user as usize] = self.walk;
                        next.push(user);
                    }
                }
            }
            level = next;
            distance += 1;
        }
        self.cells
            .iter()
            .zip(met)
            .filter_map(|(&(system, config), c)| {
                let first = if c.whole.distance.is_some() {
                    &c.whole
                } else {
                    &c.partial
                };
                Some(CellReach {
                    system: system.to_owned(),
                    config: config.to_owned(),
                    attributes: c.whole.attributes,
                    partial: c.partial.attributes,
                    distance: first.distance?,
                    nearest: first
                        .nearest
                        .iter()
                        .map(|&r| {
                            let reach = self.reaches[r as usize];
                            Nearest {
                                attr_path: reach.attr_path.clone(),
                                via: reach.via,
                            }
                        })
                        .collect(),
                })
            })
            .collect()
    }

    /// Counts root `rank`, met at `distance`, once per walk; keeps it if it is among the nearest.
    fn meet(&mut self, met: &mut [Cell], rank: u32, distance: u32) {
        if self.counted[rank as usize] == self.walk {
            return;
        }
        self.counted[rank as usize] = self.walk;
        let cell = &mut met[self.cell_of[rank as usize] as usize];
        let m = match self.reaches[rank as usize].via {
            None => &mut cell.whole,
            Some(_) => &mut cell.partial,
        };
        m.attributes += 1;
        let first = *m.distance.get_or_insert(distance);
        // Distances 0 and 1 are one tier: the FOD itself and the attributes that use it.
        let same_tier = distance.max(1) == first.max(1);
        if let (true, Err(i)) = (same_tier, m.nearest.binary_search(&rank))
            && i < NEAREST
        {
            m.nearest.insert(i, rank);
            m.nearest.truncate(NEAREST);
        }
    }
}
