//! AIPM's own secrets (`AIPM_*_TOKEN`, `AIPM_*_KEY`, `AIPM_*_SECRET`: the
//! GitHub token, the LLM key, the API token) are taken out of the process
//! environment at start-up and kept in memory only. A process of the same
//! user then finds them neither in `/proc/<pid>/environ` nor in the
//! environment of the server's children (git, the agent, the verify command).

use std::collections::BTreeMap;
use std::sync::OnceLock;

static TAKEN: OnceLock<BTreeMap<String, String>> = OnceLock::new();

/// Whether an environment variable holds one of AIPM's own secrets.
pub fn is_secret_name(name: &str) -> bool {
    name.starts_with("AIPM_")
        && (name.ends_with("_TOKEN") || name.ends_with("_KEY") || name.ends_with("_SECRET"))
}

extern "C" {
    /// The C library's environment: entries point into the block the kernel
    /// copied at exec, which is what `/proc/<pid>/environ` shows.
    static mut environ: *mut *mut libc::c_char;
}

/// Take the secrets out of the environment and make the process
/// non-dumpable. Call it first thing in `main`, before any thread starts:
/// it changes the environment, which is only sound while nothing else reads it.
pub fn take_from_env() {
    let mut taken = BTreeMap::new();
    // The entries' memory, to blank once they are out of the environment.
    let mut blocks: Vec<(*mut libc::c_char, usize)> = Vec::new();
    // SAFETY: single-threaded start-up; the entries are NUL-terminated
    // strings owned by the process and stay allocated for its lifetime.
    unsafe {
        let mut entry = environ;
        while !entry.is_null() && !(*entry).is_null() {
            let text = std::ffi::CStr::from_ptr(*entry);
            let bytes = text.to_bytes();
            if let Some(eq) = bytes.iter().position(|b| *b == b'=') {
                let name = String::from_utf8_lossy(&bytes[..eq]).into_owned();
                if is_secret_name(&name) {
                    let value = String::from_utf8_lossy(&bytes[eq + 1..]).into_owned();
                    taken.insert(name, value);
                    blocks.push((*entry, bytes.len()));
                }
            }
            entry = entry.add(1);
        }
        for name in taken.keys() {
            std::env::remove_var(name);
        }
        // Removing a variable only unlinks it; its bytes stay where the
        // kernel put them (and where /proc/<pid>/environ reads), so blank them.
        for (at, len) in blocks {
            std::ptr::write_bytes(at, 0, len);
        }
        // Same-user processes may no longer read this process's memory or
        // environment through /proc (root keeps CAP_SYS_PTRACE; the agent's
        // sandbox is what keeps it away).
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    let _ = TAKEN.set(taken);
}

/// A configuration variable: a secret taken at start-up, or else the
/// environment's value (the Lambda functions and tests never take them).
pub fn var(name: &str) -> Option<String> {
    TAKEN
        .get()
        .and_then(|t| t.get(name).cloned())
        .or_else(|| std::env::var(name).ok())
}

/// Every secret value known to the process, for masking logs.
pub fn values() -> Vec<String> {
    let mut values: Vec<String> = TAKEN
        .get()
        .map(|t| t.values().cloned().collect())
        .unwrap_or_default();
    values.extend(
        std::env::vars()
            .filter(|(k, _)| is_secret_name(k))
            .map(|(_, v)| v),
    );
    values
}

#[cfg(test)]
mod tests {
    use super::is_secret_name;

    #[test]
    fn aipm_tokens_and_keys_are_secrets_other_variables_are_not() {
        assert!(is_secret_name("AIPM_GITHUB_TOKEN"));
        assert!(is_secret_name("AIPM_LLM_API_KEY"));
        assert!(is_secret_name("AIPM_API_TOKEN"));
        assert!(!is_secret_name("AIPM_GITHUB_TOKEN_PARAM"));
        assert!(!is_secret_name("ANTHROPIC_API_KEY"));
        assert!(!is_secret_name("AIPM_AGENT"));
    }
}
