//! Everything that runs Nix or reads its formats: the one command builder, the version check,
//! error messages, `.drv` files, hash encodings, store paths and attribute paths.
pub mod attrpath;
pub mod command;
pub mod drv;
pub mod errors;
pub mod fixed;
pub mod hash;
pub mod kind;
#[cfg(test)]
mod kinds_seen;
pub mod literal;
pub mod log;
pub mod nar;
pub mod store;
pub mod version;
