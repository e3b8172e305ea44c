//! Coverage of the fetch sites written in a tree: every hash literal of its `.nix` files (found
//! with rnix, a real Nix parser), whether a scan reached it (a FOD of the scan has its digest),
//! and for each one not reached, why, from static analysis and the scan's own records. Also the
//! inputs a configuration search needs: the systems, config keys, string options and package
//! arguments the tree itself names.
pub mod cond;
pub mod context;
pub mod facts;
pub mod failed;
pub mod neighbours;
pub mod platforms;
pub mod reasons;
pub mod refs;
pub mod report;
pub mod scan;
pub mod sites;
pub mod syntax;
pub mod systems;
pub mod tree;

