//! A run's log: what the worker and the agent print, ANSI colours stripped,
//! secrets masked, bounded in size, written to the store in chunks so the
//! user can follow it while the run goes on.

use crate::domain::RunId;
use crate::error::Result;
use crate::store::Store;
use std::sync::Arc;
use tokio::sync::Mutex;

/// Most a log keeps; past it, one line says how much was dropped.
pub const MAX_LOG_BYTES: usize = 1024 * 1024;
/// A chunk is written once it is this large (or on flush).
const CHUNK_BYTES: usize = 4096;

/// Remove ANSI escape sequences (colours, cursor moves, titles).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            if c != '\r' {
                out.push(c);
            }
            continue;
        }
        match chars.next() {
            // CSI: parameters, then one final byte in @..~
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC: up to BEL or ESC \
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' || (c == '\u{1b}' && chars.peek() == Some(&'\\')) {
                        if c == '\u{1b}' {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

struct State {
    buffer: String,
    seq: u64,
    kept: usize,
    dropped: usize,
}

#[derive(Clone)]
pub struct RunLog {
    store: Arc<dyn Store>,
    run: RunId,
    secrets: Arc<Vec<String>>,
    state: Arc<Mutex<State>>,
}

impl RunLog {
    /// A log that continues after `existing_bytes` already written (a retry
    /// appends to the same log).
    pub async fn open(store: Arc<dyn Store>, run: RunId, secrets: Vec<String>) -> Result<Self> {
        let existing = store.read_log(run).await?;
        let seq = if existing.is_empty() {
            0
        } else {
            existing.len() as u64
        };
        Ok(RunLog {
            store,
            run,
            secrets: Arc::new(secrets.into_iter().filter(|s| s.len() >= 4).collect()),
            state: Arc::new(Mutex::new(State {
                buffer: String::new(),
                seq,
                kept: existing.len(),
                dropped: 0,
            })),
        })
    }

    /// Add one line (a newline is appended).
    pub async fn line(&self, text: &str) -> Result<()> {
        let mut clean = strip_ansi(text);
        for secret in self.secrets.iter() {
            clean = clean.replace(secret.as_str(), "***");
        }
        clean.push('\n');
        let mut state = self.state.lock().await;
        if state.kept + clean.len() > MAX_LOG_BYTES {
            state.dropped += clean.len();
            return Ok(());
        }
        state.kept += clean.len();
        state.buffer.push_str(&clean);
        if state.buffer.len() >= CHUNK_BYTES {
            self.write_chunk(&mut state).await?;
        }
        Ok(())
    }

    /// Write what is buffered.
    pub async fn flush(&self) -> Result<()> {
        let mut state = self.state.lock().await;
        if state.dropped > 0 {
            let note = format!(
                "[log truncated: {} more bytes were not kept]\n",
                state.dropped
            );
            state.buffer.push_str(&note);
            state.dropped = 0;
        }
        self.write_chunk(&mut state).await
    }

    async fn write_chunk(&self, state: &mut State) -> Result<()> {
        if state.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::take(&mut state.buffer);
        // Sequence numbers are byte offsets, so chunks sort in order and a
        // later attempt continues after the earlier one.
        let seq = state.seq;
        state.seq += chunk.len() as u64;
        self.store.append_log(self.run, seq, chunk).await
    }
}

#[cfg(test)]
mod tests {
    use super::strip_ansi;

    #[test]
    fn colours_and_titles_are_stripped() {
        assert_eq!(strip_ansi("\u{1b}[1;32mok\u{1b}[0m done\r"), "ok done");
        assert_eq!(strip_ansi("\u{1b}]0;title\u{7}text"), "text");
        assert_eq!(strip_ansi("plain"), "plain");
    }
}
