//! Black-box tests of `aipm mcp` and the `/mcp` endpoint of `aipm serve`,
//! driven by the official MCP client from PyPI over stdio and HTTP.

#[path = "../api/support.rs"]
#[allow(dead_code)]
mod support;

mod client;

mod agent;
mod http;
mod policy;
mod stdio;
