//! The worker's git: a scratch clone of the run's branch, what the agent
//! changed, the commit and the push. Credentials travel in the environment
//! the forge gives (`GitRemote::env`), never on a command line or in a URL.

use aipm_core::domain::RunSummary;
use aipm_core::error::{Error, Result};
use aipm_core::forge::GitRemote;
use std::path::{Path, PathBuf};
use tokio::process::Command;

pub struct Checkout {
    pub dir: PathBuf,
    remote: GitRemote,
    branch: String,
    /// The branch's commit when it was checked out.
    pub start: String,
}

/// Identity of the commits AIPM makes (the agent's own commits keep theirs).
const IDENTITY: [(&str, &str); 4] = [
    ("GIT_AUTHOR_NAME", "AIPM"),
    ("GIT_AUTHOR_EMAIL", "aipm@localhost"),
    ("GIT_COMMITTER_NAME", "AIPM"),
    ("GIT_COMMITTER_EMAIL", "aipm@localhost"),
];

async fn git(dir: Option<&Path>, remote: &GitRemote, args: &[&str]) -> Result<String> {
    let mut cmd = Command::new("git");
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    cmd.args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .envs(IDENTITY)
        .envs(remote.env.iter().map(|(k, v)| (k.as_str(), v.expose())))
        .kill_on_drop(true);
    let out = cmd
        .output()
        .await
        .map_err(|e| Error::internal("running git", e))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        // git's own messages never contain the header credentials we pass.
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(Error::internal(
            format!("git {}", args.first().copied().unwrap_or("")),
            stderr.trim().chars().take(2000).collect::<String>(),
        ))
    }
}

impl Checkout {
    /// Clone only the run's branch into `dir` (which must not exist).
    pub async fn clone(remote: GitRemote, branch: &str, dir: PathBuf) -> Result<Self> {
        let target = dir.to_string_lossy().to_string();
        git(
            None,
            &remote,
            &[
                "clone",
                "--quiet",
                "--no-tags",
                "--single-branch",
                // Copies, not hard links: the agent may write to the checkout's
                // objects, never to the repository's.
                "--no-hardlinks",
                "--branch",
                branch,
                &remote.url,
                &target,
            ],
        )
        .await?;
        let start = git(Some(&dir), &remote, &["rev-parse", "HEAD"]).await?;
        Ok(Checkout {
            dir,
            remote,
            branch: branch.to_string(),
            start,
        })
    }

    async fn git(&self, args: &[&str]) -> Result<String> {
        git(Some(&self.dir), &self.remote, args).await
    }

    /// Commit whatever the agent left uncommitted; returns whether it did.
    pub async fn commit_all(&self, message: &str) -> Result<bool> {
        self.git(&["add", "--all"]).await?;
        if self.git(&["status", "--porcelain"]).await?.is_empty() {
            return Ok(false);
        }
        self.git(&["commit", "--quiet", "--no-verify", "-m", message])
            .await?;
        Ok(true)
    }

    /// Commits and changed files since the checkout.
    pub async fn summary(&self) -> Result<RunSummary> {
        let range = format!("{}..HEAD", self.start);
        let commits: u32 = self
            .git(&["rev-list", "--count", &range])
            .await?
            .parse()
            .unwrap_or(0);
        let mut summary = RunSummary {
            commits,
            ..Default::default()
        };
        for line in self
            .git(&["diff", "--numstat", &self.start, "HEAD"])
            .await?
            .lines()
        {
            let mut cols = line.split('\t');
            summary.insertions += cols.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            summary.deletions += cols.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            summary.files_changed += 1;
        }
        Ok(summary)
    }

    /// The commit checked out now.
    pub async fn head(&self) -> Result<String> {
        self.git(&["rev-parse", "HEAD"]).await
    }

    /// Commit TASK.md as it is now in the checkout, and count the agent's
    /// work from there (a follow-up's section is not the agent's change).
    pub async fn commit_task(&mut self, message: &str) -> Result<()> {
        self.git(&["add", "--", aipm_core::forge::TASK_FILE])
            .await?;
        self.git(&["commit", "--quiet", "--no-verify", "-m", message])
            .await?;
        self.start = self.head().await?;
        Ok(())
    }

    /// A file as committed at HEAD, when this attempt's commits changed it:
    /// `Ok(None)` when they did not; `Err(reason)` when it is not a regular
    /// file or is larger than `max` bytes (it is then not read).
    pub async fn committed_file(
        &self,
        path: &str,
        max: u64,
    ) -> Result<Option<std::result::Result<Vec<u8>, String>>> {
        let changed = self
            .git(&["diff", "--name-only", &self.start, "HEAD", "--", path])
            .await?;
        if changed.is_empty() {
            return Ok(None);
        }
        // `<mode> <type> <object> <size>\t<path>`; nothing when it was deleted.
        let entry = self.git(&["ls-tree", "-l", "HEAD", "--", path]).await?;
        let Some((meta, _)) = entry.split_once('\t') else {
            return Ok(Some(Err(format!("{path} was deleted"))));
        };
        let fields: Vec<&str> = meta.split_whitespace().collect();
        let [mode, kind, object, size] = fields[..] else {
            return Ok(Some(Err(format!("{path}: unexpected tree entry"))));
        };
        if kind != "blob" || !(mode == "100644" || mode == "100755") {
            return Ok(Some(Err(format!("{path} is not a regular file"))));
        }
        let size: u64 = size.parse().unwrap_or(u64::MAX);
        if size > max {
            return Ok(Some(Err(format!(
                "{path} is {size} bytes; at most {max} are read"
            ))));
        }
        let out = Command::new("git")
            .current_dir(&self.dir)
            .args(["cat-file", "blob", object])
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| Error::internal("running git", e))?;
        if !out.status.success() {
            return Err(Error::internal(
                "git cat-file",
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ));
        }
        Ok(Some(Ok(out.stdout)))
    }

    pub async fn push(&self) -> Result<()> {
        let refspec = format!("HEAD:refs/heads/{}", self.branch);
        self.git(&["push", "--quiet", "origin", &refspec])
            .await
            .map(|_| ())
    }
}
