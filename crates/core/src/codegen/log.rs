//! A run's log: what the worker and the agent print, ANSI colours stripped,
//! secrets masked, bounded in size, written to the store in chunks so the
//! user can follow it while the run goes on.
//!
//! Masking is a second line of defence (the agent is never given AIPM's
//! secrets): it hides a secret's whole value, any 8 characters of it (so a
//! copy split over lines is cut into masked pieces), and its base64 forms.

use crate::domain::RunId;
use crate::error::Result;
use crate::store::RunStore;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use std::sync::Arc;
use tokio::sync::Mutex;

/// Most of the agent's output a log keeps; past it, one line says so.
pub const MAX_LOG_BYTES: usize = 1024 * 1024;
/// Pieces of a secret this long are masked wherever they appear.
const SECRET_PIECE: usize = 8;
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

/// What to hide for one secret: its value, its pieces and its base64
/// forms (at each of the three alignments a text can put it in).
fn patterns(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_string()];
    let chars: Vec<(usize, char)> = secret.char_indices().collect();
    if chars.len() > SECRET_PIECE {
        for w in 0..=chars.len() - SECRET_PIECE {
            let start = chars[w].0;
            let end = chars
                .get(w + SECRET_PIECE)
                .map_or(secret.len(), |(i, _)| *i);
            out.push(secret[start..end].to_string());
        }
    }
    let bytes = secret.as_bytes();
    for skip in 0..3.min(bytes.len()) {
        let whole = (bytes.len() - skip) / 3 * 3;
        if whole >= 6 {
            let aligned = &bytes[skip..skip + whole];
            out.push(STANDARD_NO_PAD.encode(aligned));
            out.push(URL_SAFE_NO_PAD.encode(aligned));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `text` with every occurrence of a pattern replaced by `***`.
fn mask(text: &str, patterns: &[String]) -> String {
    let mut hidden = vec![false; text.len()];
    let mut any = false;
    for pattern in patterns {
        for (at, found) in text.match_indices(pattern.as_str()) {
            hidden[at..at + found.len()].fill(true);
            any = true;
        }
    }
    if !any {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut in_mask = false;
    for (at, c) in text.char_indices() {
        if hidden[at] {
            if !in_mask {
                out.push_str("***");
            }
            in_mask = true;
        } else {
            in_mask = false;
            out.push(c);
        }
    }
    out
}

struct State {
    buffer: String,
    seq: u64,
    kept: usize,
    /// The agent's output past the limit has been noted.
    truncated: bool,
}

#[derive(Clone)]
pub struct RunLog {
    store: RunStore,
    run: RunId,
    patterns: Arc<Vec<String>>,
    state: Arc<Mutex<State>>,
}

impl RunLog {
    /// A log that continues after `existing_bytes` already written (a retry
    /// appends to the same log).
    pub async fn open(store: RunStore, run: RunId, secrets: Vec<String>) -> Result<Self> {
        let existing = store.read_log(run).await?;
        let seq = if existing.is_empty() {
            0
        } else {
            existing.len() as u64
        };
        Ok(RunLog {
            store,
            run,
            patterns: Arc::new(
                secrets
                    .iter()
                    .filter(|s| s.len() >= 4)
                    .flat_map(|s| patterns(s))
                    .collect(),
            ),
            state: Arc::new(Mutex::new(State {
                buffer: String::new(),
                seq,
                kept: existing.len(),
                truncated: false,
            })),
        })
    }

    fn clean(&self, text: &str) -> String {
        let mut clean = mask(&strip_ansi(text), &self.patterns);
        clean.push('\n');
        clean
    }

    /// Add one line of the worker's own (a newline is appended); these are
    /// few and short, and always kept.
    pub async fn line(&self, text: &str) -> Result<()> {
        let clean = self.clean(text);
        let mut state = self.state.lock().await;
        self.keep(&mut state, &clean).await
    }

    /// Add one line the agent printed: kept while the log is under
    /// `MAX_LOG_BYTES`; the first line past it is replaced by one note.
    pub async fn output(&self, text: &str) -> Result<()> {
        let mut state = self.state.lock().await;
        if state.truncated {
            return Ok(());
        }
        if state.kept + text.len() >= MAX_LOG_BYTES {
            state.truncated = true;
            let note = format!(
                "[aipm] the log reached {} KiB; the rest of the output is not kept\n",
                MAX_LOG_BYTES / 1024
            );
            return self.keep(&mut state, &note).await;
        }
        let clean = self.clean(text);
        self.keep(&mut state, &clean).await
    }

    async fn keep(&self, state: &mut State, clean: &str) -> Result<()> {
        state.kept += clean.len();
        state.buffer.push_str(clean);
        if state.buffer.len() >= CHUNK_BYTES {
            self.write_chunk(state).await?;
        }
        Ok(())
    }

    /// Write what is buffered.
    pub async fn flush(&self) -> Result<()> {
        let mut state = self.state.lock().await;
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
    use super::{mask, patterns, strip_ansi};
    use base64::Engine;

    #[test]
    fn secrets_are_masked_whole_in_pieces_and_in_base64() {
        let secret = "ghp_0123456789abcdefghijklmnop";
        let hide = patterns(secret);
        assert_eq!(mask(&format!("token={secret}!"), &hide), "token=***!");
        // Split over two lines, each half is masked.
        assert_eq!(mask("ghp_0123456789a", &hide), "***");
        assert_eq!(mask("bcdefghijklmnop", &hide), "***");
        for prefix in ["", "x", "xy"] {
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{prefix}{secret}\n"));
            let masked = mask(&encoded, &hide);
            assert!(masked.contains("***"), "{prefix:?}: {masked}");
            assert!(masked.len() < 12, "at most the edges stay: {masked}");
        }
        assert_eq!(mask("nothing secret here", &hide), "nothing secret here");
    }

    #[test]
    fn colours_and_titles_are_stripped() {
        assert_eq!(strip_ansi("\u{1b}[1;32mok\u{1b}[0m done\r"), "ok done");
        assert_eq!(strip_ansi("\u{1b}]0;title\u{7}text"), "text");
        assert_eq!(strip_ansi("plain"), "plain");
    }
}
