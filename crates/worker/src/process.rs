//! Running the agent: a child process in a process group of its own, its
//! output streamed into the run log line by line, stopped — the whole group —
//! when its time is up or the run is cancelled.

use aipm_core::codegen::agent::{AgentCommand, Prompt};
use aipm_core::codegen::RunLog;
use aipm_core::error::{Error, Result};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;
use tokio::sync::watch;

/// How the agent's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    /// Ended by a signal it did not get from us.
    Signal(i32),
    TimedOut,
    Cancelled,
}

/// Grace between SIGTERM and SIGKILL for the process group.
const GRACE: Duration = Duration::from_millis(1500);

fn signal_group(pgid: i32, signal: i32) {
    // SAFETY: killpg only sends a signal; a stale group id fails with ESRCH.
    unsafe {
        libc::killpg(pgid, signal);
    }
}

/// Run `command` in `dir` with exactly `env` as its environment,
/// giving it `task` on stdin when the command takes it that way.
pub async fn run_agent(
    command: &AgentCommand,
    dir: &Path,
    env: &[(String, String)],
    task: &str,
    log: &RunLog,
    limit: Duration,
    cancel: watch::Receiver<bool>,
) -> Result<Exit> {
    let mut cmd = Command::new(&command.program);
    cmd.args(&command.args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(if command.prompt == Prompt::Stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| {
        Error::invalid(
            "agent",
            format!(
                "could not start '{}': {e} (is it installed on the worker?)",
                command.program
            ),
        )
    })?;
    let pgid = child.id().map(|p| p as i32).unwrap_or(0);
    if let Some(mut stdin) = child.stdin.take() {
        let text = task.to_string();
        tokio::spawn(async move {
            let _ = stdin.write_all(text.as_bytes()).await;
            let _ = stdin.shutdown().await;
        });
    }
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let pump = |reader: Box<dyn tokio::io::AsyncRead + Unpin + Send>, log: RunLog| {
        tokio::spawn(async move {
            let mut lines = BufReader::new(reader).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = log.line(&line).await;
            }
        })
    };
    let out = pump(Box::new(stdout), log.clone());
    let err = pump(Box::new(stderr), log.clone());

    let deadline = tokio::time::sleep(limit);
    let mut cancel = cancel;
    let cancelled = async move {
        loop {
            if *cancel.borrow() {
                return;
            }
            if cancel.changed().await.is_err() {
                // The canceller is gone; only the deadline can stop us now.
                std::future::pending::<()>().await;
            }
        }
    };
    let ended = tokio::select! {
        status = child.wait() => {
            let status = status.map_err(|e| Error::internal("waiting for the agent", e))?;
            use std::os::unix::process::ExitStatusExt;
            match (status.code(), status.signal()) {
                (Some(code), _) => Exit::Code(code),
                (None, Some(sig)) => Exit::Signal(sig),
                (None, None) => Exit::Signal(0),
            }
        }
        _ = deadline => Exit::TimedOut,
        _ = cancelled => Exit::Cancelled,
    };
    if matches!(ended, Exit::TimedOut | Exit::Cancelled) && pgid > 0 {
        signal_group(pgid, libc::SIGTERM);
        if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
            signal_group(pgid, libc::SIGKILL);
            let _ = child.wait().await;
        }
    }
    // Children of the agent may hold the pipes open; never wait on them forever.
    let _ = tokio::time::timeout(Duration::from_secs(2), out).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), err).await;
    if pgid > 0 {
        // Whatever the agent left running in its group goes with it.
        signal_group(pgid, libc::SIGKILL);
    }
    Ok(ended)
}
