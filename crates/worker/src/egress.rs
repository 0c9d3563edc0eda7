//! The agent's allowlisted network (`agentNetwork: repository` or
//! `registries`): the sandbox has no network of its own, only a relay that
//! listens on its loopback (`HTTPS_PROXY=http://127.0.0.1:3128`) and passes
//! each connection through a Unix socket to the worker's proxy, which
//! accepts `CONNECT host:port` for the allowed hosts only (port 443, or the
//! port an operator's entry names) and refuses everything else with 403.
//! Plain-HTTP proxying is refused: only tunnels are offered.

use aipm_core::domain::AgentNetwork;
use aipm_core::error::{Error, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UnixListener, UnixStream};

/// Where the relay listens inside the sandbox.
pub const RELAY_ADDR: &str = "127.0.0.1:3128";
/// The first argument that makes the `aipm` binary the relay.
pub const RELAY_ARG: &str = "__aipm-sandbox-relay";
/// The package registries `registries` allows, on port 443.
pub const REGISTRIES: &[&str] = &[
    "crates.io",
    "index.crates.io",
    "static.crates.io",
    "pypi.org",
    "files.pythonhosted.org",
    "registry.npmjs.org",
    "registry.yarnpkg.com",
    "proxy.golang.org",
    "sum.golang.org",
    "rubygems.org",
    "repo.maven.apache.org",
    "repo1.maven.org",
    "deb.debian.org",
];
const MAX_HEAD: usize = 8 * 1024;

static RELAY_BUILT_IN: AtomicBool = AtomicBool::new(false);

/// Whether this binary can serve as the relay (its `main` asked).
pub fn relay_built_in() -> bool {
    RELAY_BUILT_IN.load(Ordering::Relaxed)
}

/// Call first in `main`: when the process was started as the relay, run
/// it and return the agent's exit code; otherwise `None` (and note that the
/// binary can relay).
pub fn relay_if_asked() -> Option<i32> {
    RELAY_BUILT_IN.store(true, Ordering::Relaxed);
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) != Some(RELAY_ARG) {
        return None;
    }
    // __aipm-sandbox-relay <socket> -- <program> <args…>
    let (Some(socket), Some("--"), Some(program)) =
        (args.get(2), args.get(3).map(String::as_str), args.get(4))
    else {
        eprintln!("usage: aipm {RELAY_ARG} <socket> -- <program> [args…]");
        return Some(2);
    };
    Some(relay(Path::new(socket), program, &args[5..]))
}

/// Inside the sandbox: listen on `RELAY_ADDR`, pass connections to
/// `socket`, run the agent, exit with its code.
fn relay(socket: &Path, program: &str, args: &[String]) -> i32 {
    let listener = match std::net::TcpListener::bind(RELAY_ADDR) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("[aipm] the network relay cannot listen on {RELAY_ADDR}: {e}");
            return 125;
        }
    };
    let socket = socket.to_path_buf();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let socket = socket.clone();
            std::thread::spawn(move || {
                if let Ok(upstream) = std::os::unix::net::UnixStream::connect(&socket) {
                    splice_blocking(client, upstream);
                }
            });
        }
    });
    match std::process::Command::new(program).args(args).status() {
        Ok(status) => {
            use std::os::unix::process::ExitStatusExt;
            status
                .code()
                .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
        }
        Err(e) => {
            eprintln!("[aipm] could not start '{program}': {e}");
            127
        }
    }
}

fn splice_blocking(tcp: std::net::TcpStream, unix: std::os::unix::net::UnixStream) {
    let (Ok(mut tcp_in), Ok(mut unix_in)) = (tcp.try_clone(), unix.try_clone()) else {
        return;
    };
    let (mut tcp_out, mut unix_out) = (tcp, unix);
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut tcp_in, &mut unix_out);
        let _ = unix_out.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut unix_in, &mut tcp_out);
    let _ = tcp_out.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
}

/// Which `host:port` pairs a tunnel may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist(BTreeSet<String>);

impl Allowlist {
    /// `hosts` on port 443, and `extra` entries (`host` for 443, or `host:port`).
    pub fn new<'a>(
        hosts: impl IntoIterator<Item = &'a str>,
        extra: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut set = BTreeSet::new();
        for host in hosts.into_iter().chain(extra) {
            let host = host.trim().to_ascii_lowercase();
            if host.is_empty() {
                continue;
            }
            if host
                .rsplit_once(':')
                .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
            {
                set.insert(host);
            } else {
                set.insert(format!("{host}:443"));
            }
        }
        Allowlist(set)
    }

    pub fn allows(&self, target: &str) -> bool {
        self.0.contains(&target.to_ascii_lowercase())
    }
}

/// The host of a git remote URL (`https://github.com/o/n.git` → github.com);
/// `None` for a local path.
pub fn remote_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host = authority.rsplit('@').next()?;
    Some(host.split(':').next()?.to_string()).filter(|h| !h.is_empty())
}

/// The proxy for an attempt whose checkout is `checkout`, when `network`
/// is allowlisted: the repository's host (from its remote URL), the
/// registries for `registries`, and the operator's `extra` entries.
pub fn start_for(
    network: AgentNetwork,
    remote_url: &str,
    checkout: &Path,
    extra: &[String],
) -> Result<Option<Proxy>> {
    if !network.is_allowlisted() {
        return Ok(None);
    }
    let repository = remote_host(remote_url);
    let registries = if network == AgentNetwork::Registries {
        REGISTRIES
    } else {
        &[]
    };
    let allow = Allowlist::new(
        repository
            .iter()
            .map(String::as_str)
            .chain(registries.iter().copied()),
        extra.iter().map(String::as_str),
    );
    let socket = PathBuf::from(format!("{}.proxy.sock", checkout.display()));
    Proxy::start(socket, allow)
        .map(Some)
        .map_err(|e| Error::internal("starting the agent's network proxy", e))
}

/// What points the agent's tools at the relay.
pub fn proxy_env() -> Vec<(String, String)> {
    let url = format!("http://{RELAY_ADDR}");
    [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
    ]
    .iter()
    .map(|k| (k.to_string(), url.clone()))
    .collect()
}

/// The worker's end: a proxy on a Unix socket, stopped when dropped.
pub struct Proxy {
    pub socket: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.socket);
    }
}

impl Proxy {
    pub fn start(socket: PathBuf, allow: Allowlist) -> std::io::Result<Proxy> {
        let _ = std::fs::remove_file(&socket);
        let listener = UnixListener::bind(&socket)?;
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let allow = allow.clone();
                tokio::spawn(async move {
                    let _ = tunnel(client, &allow).await;
                });
            }
        });
        Ok(Proxy { socket, task })
    }
}

/// One proxied connection: read the request head, check it, connect, splice.
async fn tunnel(mut client: UnixStream, allow: &Allowlist) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = client.read(&mut buf).await?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let end = head.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let line = String::from_utf8_lossy(&head[..end]);
    let mut words = line.split_whitespace();
    let target = match (words.next(), words.next()) {
        (Some("CONNECT"), Some(target)) => target.to_string(),
        _ => {
            let refusal =
                "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            return client.write_all(refusal.as_bytes()).await;
        }
    };
    if !allow.allows(&target) {
        let refusal = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        return client.write_all(refusal.as_bytes()).await;
    }
    let mut upstream = match TcpStream::connect(&target).await {
        Ok(s) => s,
        Err(_) => {
            let refusal =
                "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            return client.write_all(refusal.as_bytes()).await;
        }
    };
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await?;
    // Bytes the client sent after the head belong to the tunnel.
    upstream.write_all(&head[end..]).await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowlist_holds_hosts_on_443_and_named_ports() {
        let allow = Allowlist::new(["github.com"], ["mirror.example:8443", "Pkg.Example"]);
        assert!(allow.allows("github.com:443"));
        assert!(allow.allows("GitHub.com:443"));
        assert!(!allow.allows("github.com:22"));
        assert!(!allow.allows("api.github.com:443"));
        assert!(allow.allows("mirror.example:8443"));
        assert!(allow.allows("pkg.example:443"));
    }

    #[test]
    fn remote_hosts_come_from_urls_not_paths() {
        assert_eq!(
            remote_host("https://github.com/o/n.git").as_deref(),
            Some("github.com")
        );
        assert_eq!(
            remote_host("https://x@ghe.example:8443/o/n").as_deref(),
            Some("ghe.example")
        );
        assert_eq!(remote_host("/srv/repos/shop"), None);
    }
}
