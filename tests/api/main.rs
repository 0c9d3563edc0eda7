//! Black-box tests of the HTTP API: each test starts `aipm serve` on port 0
//! with a fresh data directory and talks to it over loopback.

mod support;

mod auth;
mod codegen;
mod concurrent_edits;
mod deep_tree;
mod errors;
mod hardening;
mod items;
mod quality;
mod reads;
mod server;
mod shapes;
mod stories;
