//! The agent's sandbox: bubblewrap (`bwrap`) gives the agent and the verify
//! command a view of their own — a new PID namespace (no server process to
//! read through /proc), a read-only minimal system, the checkout as the only
//! writable directory besides empty temporary ones, no data dir, no home, no
//! capabilities, and no network at all when the project says `none`.
//! Without bubblewrap, runs are refused unless the operator explicitly
//! chose to run agents unsandboxed (`AIPM_AGENT_SANDBOX=none`).

use aipm_core::codegen::agent::AgentCommand;
use aipm_core::config::{self, ConfigError};
use aipm_core::domain::AgentNetwork;
use aipm_core::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The system the sandbox shows, read-only, where it exists.
const SYSTEM: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
];
/// The few files of /etc programs need to run, resolve names and check TLS.
const ETC: &[&str] = &[
    "/etc/alternatives",
    "/etc/ca-certificates",
    "/etc/ca-certificates.conf",
    "/etc/gai.conf",
    "/etc/gitconfig",
    "/etc/group",
    "/etc/host.conf",
    "/etc/hosts",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/mime.types",
    "/etc/nsswitch.conf",
    "/etc/passwd",
    "/etc/pki",
    "/etc/protocols",
    "/etc/python3",
    "/etc/python3.11",
    "/etc/python3.12",
    "/etc/resolv.conf",
    "/etc/services",
    "/etc/ssl",
];

/// Where the relay and the proxy's socket appear inside the sandbox.
const RELAY_BINARY: &str = "/run/aipm/relay";
const RELAY_SOCKET: &str = "/run/aipm/proxy.sock";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Bubblewrap(PathBuf),
    /// The operator chose to run agents without a sandbox.
    Off,
    /// Runs are refused; the reason says why.
    Unavailable(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    kind: Kind,
    /// More read-only paths (`AIPM_SANDBOX_READ`), e.g. an agent's install dir.
    read: Vec<PathBuf>,
    /// More writable paths (`AIPM_SANDBOX_WRITE`), e.g. an agent's login dir.
    write: Vec<PathBuf>,
    /// More hosts an allowlisted network reaches (`AIPM_SANDBOX_ALLOW_HOSTS`:
    /// `host` for port 443, or `host:port`), e.g. a registry mirror.
    pub allow_hosts: Vec<String>,
}

fn paths(var: &str) -> Vec<PathBuf> {
    std::env::var(var)
        .unwrap_or_default()
        .split(':')
        .filter(|p| !p.trim().is_empty())
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| PathBuf::from(p)))
        .collect()
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

impl Sandbox {
    /// `AIPM_AGENT_SANDBOX`: `bwrap` (the default) or `none` (run agents
    /// unsandboxed — only where nothing secret is reachable).
    /// `AIPM_SANDBOX_READ` / `AIPM_SANDBOX_WRITE`: colon-separated paths.
    /// `AIPM_SANDBOX_ALLOW_HOSTS`: comma-separated hosts.
    pub fn from_env() -> Result<Self, ConfigError> {
        let kind = match config::choice("AIPM_AGENT_SANDBOX", &["bwrap", "none"])? {
            Some("none") => Kind::Off,
            _ => Self::probe(),
        };
        Ok(Sandbox {
            kind,
            read: paths("AIPM_SANDBOX_READ"),
            write: paths("AIPM_SANDBOX_WRITE"),
            allow_hosts: std::env::var("AIPM_SANDBOX_ALLOW_HOSTS")
                .unwrap_or_default()
                .split(',')
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .collect(),
        })
    }

    /// Find bwrap and check it can make a sandbox here (it needs user
    /// namespaces, or to run as root).
    fn probe() -> Kind {
        let Some(bwrap) = find_in_path("bwrap") else {
            return Kind::Unavailable(
                "bubblewrap (bwrap) is not installed; install it (apt-get install bubblewrap) \
                 or set AIPM_AGENT_SANDBOX=none to run agents unsandboxed"
                    .into(),
            );
        };
        let tried = Command::new(&bwrap)
            .args(["--unshare-pid", "--unshare-net", "--ro-bind", "/", "/"])
            .args(["--proc", "/proc", "--dev", "/dev", "true"])
            .output();
        match tried {
            Ok(out) if out.status.success() => Kind::Bubblewrap(bwrap),
            Ok(out) => Kind::Unavailable(format!(
                "bwrap cannot make a sandbox here: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(e) => Kind::Unavailable(format!("bwrap cannot run: {e}")),
        }
    }

    /// The operator's explicit choice to run unsandboxed.
    pub fn off() -> Self {
        Sandbox {
            kind: Kind::Off,
            read: Vec::new(),
            write: Vec::new(),
            allow_hosts: Vec::new(),
        }
    }

    /// What /api/health reports.
    pub fn state(&self) -> String {
        match &self.kind {
            Kind::Bubblewrap(_) => "bubblewrap".into(),
            Kind::Off => "off".into(),
            Kind::Unavailable(why) => format!("unavailable: {why}"),
        }
    }

    /// This sandbox, showing `paths` read-only too (a run's own files
    /// outside the checkout, such as its MCP configuration).
    pub fn reading(&self, paths: impl IntoIterator<Item = PathBuf>) -> Sandbox {
        let mut sandbox = self.clone();
        sandbox.read.extend(paths);
        sandbox
    }

    /// `command` as it runs: inside bwrap, with `checkout` as its working
    /// and only writable directory, and `network` as its network. Fails when
    /// no sandbox can be made (and none was explicitly turned off).
    ///
    /// An allowlisted network needs `proxy`, the worker's proxy socket: the
    /// sandbox gets no network, and a relay on its loopback in front of the
    /// command passes connections to that socket (`egress.rs`).
    pub fn wrap(
        &self,
        command: &AgentCommand,
        checkout: &Path,
        network: AgentNetwork,
        proxy: Option<&Path>,
        env: &[(String, String)],
    ) -> Result<AgentCommand> {
        let bwrap = match &self.kind {
            Kind::Off if network != AgentNetwork::Open => {
                return Err(Error::invalid(
                    "agentNetwork",
                    format!(
                        "the project limits the agent's network ('{}'), which only the sandbox \
                         can enforce, and the sandbox is off (AIPM_AGENT_SANDBOX=none)",
                        network.as_str()
                    ),
                ))
            }
            Kind::Off => return Ok(command.clone()),
            Kind::Unavailable(why) => {
                return Err(Error::invalid(
                    "sandbox",
                    format!("agents are not run without a sandbox: {why}"),
                ))
            }
            Kind::Bubblewrap(bwrap) => bwrap,
        };
        let mut args: Vec<String> = Vec::new();
        let mut add = |words: &[&str]| args.extend(words.iter().map(|w| w.to_string()));
        add(&["--die-with-parent", "--unshare-pid", "--unshare-ipc"]);
        add(&["--unshare-uts", "--unshare-cgroup-try", "--cap-drop", "ALL"]);
        if network != AgentNetwork::Open {
            add(&["--unshare-net"]);
        }
        for path in SYSTEM.iter().chain(ETC) {
            let path = Path::new(path);
            match std::fs::read_link(path) {
                // /bin -> usr/bin on merged-/usr systems: the same link inside.
                Ok(target) if SYSTEM.contains(&path.to_str().unwrap_or("")) => add(&[
                    "--symlink",
                    &target.to_string_lossy(),
                    &path.to_string_lossy(),
                ]),
                _ if path.exists() => add(&["--ro-bind", &s(path), &s(path)]),
                _ => {}
            }
        }
        add(&["--proc", "/proc", "--dev", "/dev"]);
        add(&["--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--tmpfs", "/run"]);
        // The home the agent sees is empty (its files are the server's).
        if let Some((_, home)) = env.iter().find(|(k, _)| k == "HOME") {
            if !home.is_empty() && home != "/" {
                add(&["--tmpfs", home]);
            }
        }
        // Files the operator's command names (a script, say) are shown
        // read-only. A named path without `..` is kept as named, with the
        // real file bound there as well as at its canonical path: a venv's
        // `bin/python` is a link, and Python finds its venv from the path it
        // was started by. Other paths are given canonical (no `..` to follow).
        let mut argv: Vec<String> = Vec::new();
        for word in std::iter::once(&command.program).chain(&command.args) {
            let path = Path::new(word);
            match std::fs::canonicalize(path) {
                Ok(real) if path.is_absolute() && !real.starts_with(checkout) => {
                    add(&["--ro-bind", &s(&real), &s(&real)]);
                    let plain = !path
                        .components()
                        .any(|c| matches!(c, std::path::Component::ParentDir));
                    if plain && path != real {
                        add(&["--ro-bind", &s(&real), word]);
                        argv.push(word.clone());
                    } else {
                        argv.push(s(&real));
                    }
                }
                _ => argv.push(word.clone()),
            }
        }
        for path in &self.read {
            add(&["--ro-bind-try", &s(path), &s(path)]);
        }
        for path in &self.write {
            add(&["--bind-try", &s(path), &s(path)]);
        }
        add(&[
            "--bind",
            &s(checkout),
            &s(checkout),
            "--chdir",
            &s(checkout),
        ]);
        if network.is_allowlisted() {
            let socket = proxy.ok_or_else(|| {
                Error::invalid(
                    "agentNetwork",
                    "an allowlisted network needs the worker's proxy",
                )
            })?;
            let relay = std::env::current_exe()
                .ok()
                .filter(|_| crate::egress::relay_built_in())
                .ok_or_else(|| {
                    Error::invalid(
                        "agentNetwork",
                        "this worker cannot relay an allowlisted network (run aipm worker)",
                    )
                })?;
            add(&["--ro-bind", &s(socket), RELAY_SOCKET]);
            add(&["--ro-bind", &s(&relay), RELAY_BINARY]);
            add(&["--", RELAY_BINARY, crate::egress::RELAY_ARG, RELAY_SOCKET]);
        }
        args.push("--".into());
        args.extend(argv);
        Ok(AgentCommand {
            name: command.name.clone(),
            program: bwrap.to_string_lossy().into_owned(),
            args,
            prompt: command.prompt,
        })
    }
}

fn s(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aipm_core::codegen::agent::Prompt;

    fn agent() -> AgentCommand {
        AgentCommand {
            name: "custom".into(),
            program: "my-agent".into(),
            args: vec!["--task".into(), "/w/TASK.md".into()],
            prompt: Prompt::File,
        }
    }

    fn bubblewrap() -> Sandbox {
        Sandbox {
            kind: Kind::Bubblewrap("/usr/bin/bwrap".into()),
            read: Vec::new(),
            write: Vec::new(),
            allow_hosts: Vec::new(),
        }
    }

    #[test]
    fn the_agent_runs_inside_bwrap_with_only_its_checkout_writable() {
        let env = [("HOME".to_string(), "/root".to_string())];
        let wrapped = bubblewrap()
            .wrap(&agent(), Path::new("/w"), AgentNetwork::Open, None, &env)
            .unwrap();
        assert_eq!(wrapped.program, "/usr/bin/bwrap");
        let args = wrapped.args.join(" ");
        assert!(args.contains("--unshare-pid"), "{args}");
        assert!(!args.contains("--unshare-net"), "open keeps the network");
        assert!(args.contains("--tmpfs /root"), "the home is empty: {args}");
        assert!(args.ends_with("--bind /w /w --chdir /w -- my-agent --task /w/TASK.md"));
        assert_eq!(
            args.matches("--bind ").count(),
            1,
            "one writable bind: {args}"
        );
    }

    #[test]
    fn network_none_unshares_the_network() {
        let wrapped = bubblewrap()
            .wrap(&agent(), Path::new("/w"), AgentNetwork::None, None, &[])
            .unwrap();
        assert!(wrapped.args.contains(&"--unshare-net".to_string()));
    }

    #[test]
    fn an_allowlisted_network_has_no_network_of_its_own_only_the_relay() {
        let socket = Path::new("/tmp/run.proxy.sock");
        let err = bubblewrap()
            .wrap(
                &agent(),
                Path::new("/w"),
                AgentNetwork::Registries,
                None,
                &[],
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs the worker's proxy"), "{err}");
        // A binary whose main does not run the relay cannot offer it.
        let err = bubblewrap()
            .wrap(
                &agent(),
                Path::new("/w"),
                AgentNetwork::Repository,
                Some(socket),
                &[],
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot relay"), "{err}");
    }

    #[test]
    fn without_a_sandbox_runs_are_refused_unless_turned_off() {
        let missing = Sandbox {
            kind: Kind::Unavailable("bwrap is not installed".into()),
            read: Vec::new(),
            write: Vec::new(),
            allow_hosts: Vec::new(),
        };
        let err = missing
            .wrap(&agent(), Path::new("/w"), AgentNetwork::Open, None, &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("not run without a sandbox"), "{err}");
        assert!(missing.state().starts_with("unavailable"));
        let off = Sandbox::off();
        assert_eq!(
            off.wrap(&agent(), Path::new("/w"), AgentNetwork::Open, None, &[])
                .unwrap(),
            agent()
        );
        assert!(
            off.wrap(&agent(), Path::new("/w"), AgentNetwork::None, None, &[])
                .is_err(),
            "no network cannot be promised without the sandbox"
        );
        assert_eq!(off.state(), "off");
    }
}
