//! Running the agent: a child process in a session and process group of its
//! own (no controlling terminal to inject keystrokes into), its output
//! streamed into the run log line by line, stopped — the whole group — when
//! its time is up or the run is cancelled.
//!
//! Output is read as bytes: invalid UTF-8 is replaced, not fatal, and a line
//! longer than `MAX_LINE_BYTES` is cut with a note while reading goes on, so
//! the pipe is always drained and memory stays bounded.

use aipm_core::codegen::agent::{AgentCommand, Prompt};
use aipm_core::codegen::RunLog;
use aipm_core::error::{Error, Result};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
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

/// The most of one output line that is kept.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// One line of output, cut to `MAX_LINE_BYTES`, decoded lossily.
fn finish_line(line: &mut Vec<u8>, cut: &mut usize) -> String {
    let mut text = String::from_utf8_lossy(line).into_owned();
    if *cut > 0 {
        text.push_str(&format!(" [aipm: line cut, {cut} more bytes not kept]"));
    }
    line.clear();
    *cut = 0;
    text
}

/// Copy `reader` into the log line by line until it ends.
pub async fn pump(reader: impl AsyncRead + Unpin, log: &RunLog) {
    let mut reader = BufReader::new(reader);
    let mut line: Vec<u8> = Vec::new();
    let mut cut = 0usize;
    loop {
        let chunk = match reader.fill_buf().await {
            Ok([]) | Err(_) => break,
            Ok(chunk) => chunk,
        };
        let (piece, ends_line) = match chunk.iter().position(|b| *b == b'\n') {
            Some(at) => (&chunk[..at], true),
            None => (chunk, false),
        };
        let room = MAX_LINE_BYTES - line.len();
        line.extend_from_slice(&piece[..piece.len().min(room)]);
        cut += piece.len().saturating_sub(room);
        let used = piece.len() + usize::from(ends_line);
        reader.consume(used);
        if ends_line {
            let text = finish_line(&mut line, &mut cut);
            let _ = log.output(&text).await;
        }
    }
    if !line.is_empty() || cut > 0 {
        let text = finish_line(&mut line, &mut cut);
        let _ = log.output(&text).await;
    }
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
        .kill_on_drop(true);
    // SAFETY: setsid is async-signal-safe; the child becomes the leader of
    // a new session and process group (its pgid is its pid).
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
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
    let out = {
        let log = log.clone();
        tokio::spawn(async move { pump(stdout, &log).await })
    };
    let err = {
        let log = log.clone();
        tokio::spawn(async move { pump(stderr, &log).await })
    };

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
