//! The git CLI as child processes, argv only (never a shell). Everything here
//! works on objects and refs; nothing reads or writes a working tree or the
//! user's index.

use aipm_core::error::{Error, Result};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// AIPM's commits carry a fixed identity, so no user git config is needed.
const IDENTITY: [(&str, &str); 4] = [
    ("GIT_AUTHOR_NAME", "AIPM"),
    ("GIT_AUTHOR_EMAIL", "aipm@localhost"),
    ("GIT_COMMITTER_NAME", "AIPM"),
    ("GIT_COMMITTER_EMAIL", "aipm@localhost"),
];

/// Inherited variables that would point git at another repository, index or
/// tree than the one named (e.g. when AIPM itself runs from a git hook).
const REDIRECTING_VARS: [&str; 8] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
];

/// A git command that did not succeed, with what git said.
#[derive(Debug, thiserror::Error)]
#[error("`git {command}` failed ({status}): {stderr}")]
pub struct GitFailure {
    command: String,
    status: String,
    stderr: String,
}

/// A repository on disk, bare or with a working tree.
pub struct Repo {
    /// The repository's path, canonical.
    pub path: PathBuf,
    /// Where the refs and objects shared by all of its worktrees live.
    pub common_dir: PathBuf,
    /// Refuse a path inside some other repository: git must not search upwards.
    ceiling: PathBuf,
}

/// What a squash of a branch onto its base would produce.
pub enum MergeTree {
    Clean { tree: String },
    Conflicts { files: Vec<String> },
}

impl Repo {
    /// Resolve `path` to a repository: it must exist and be the top of a
    /// repository (not a directory inside one).
    pub async fn open(path: &str) -> Result<Repo> {
        let not_a_repo = |why: String| Error::invalid("repository", why);
        let canonical = tokio::fs::canonicalize(path)
            .await
            .map_err(|e| not_a_repo(format!("{path} does not exist or cannot be read ({e})")))?;
        if !canonical.is_dir() {
            return Err(not_a_repo(format!("{path} is not a directory")));
        }
        let ceiling = canonical.parent().unwrap_or(&canonical).to_path_buf();
        let mut repo = Repo {
            path: canonical,
            common_dir: PathBuf::new(),
            ceiling,
        };
        let out = repo
            .exec(
                &["rev-parse", "--path-format=absolute", "--git-common-dir"],
                &[],
                None,
            )
            .await?;
        if !out.status.success() {
            let said = String::from_utf8_lossy(&out.stderr);
            let said = said.lines().next().unwrap_or("").trim();
            return Err(not_a_repo(format!(
                "{path} is not a git repository ({said})"
            )));
        }
        repo.common_dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        Ok(repo)
    }

    /// `git version` as (major, minor).
    pub async fn version(&self) -> Result<(u32, u32)> {
        let text = self.run(&["version"], &[], None).await?;
        let numbers = text.trim_start_matches("git version ").trim();
        let mut parts = numbers.split('.').map(|p| p.parse::<u32>().ok());
        match (parts.next().flatten(), parts.next().flatten()) {
            (Some(major), Some(minor)) => Ok((major, minor)),
            _ => Err(Error::internal(
                "reading the git version",
                format!("unexpected answer {text:?}"),
            )),
        }
    }

    /// The branch HEAD points at (a repository's default branch).
    pub async fn head_branch(&self) -> Result<Option<String>> {
        let out = self
            .exec(&["symbolic-ref", "--quiet", "--short", "HEAD"], &[], None)
            .await?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
    }

    pub async fn is_valid_branch_name(&self, name: &str) -> Result<bool> {
        let full = format!("refs/heads/{name}");
        let out = self.exec(&["check-ref-format", &full], &[], None).await?;
        Ok(out.status.success() && !name.starts_with('-'))
    }

    /// The commit a branch points at, if the branch exists.
    pub async fn branch_commit(&self, name: &str) -> Result<Option<String>> {
        let spec = format!("refs/heads/{name}^{{commit}}");
        let out = self
            .exec(&["rev-parse", "--verify", "--quiet", &spec], &[], None)
            .await?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
    }

    /// A new commit on `parent` whose tree is the parent's plus one file,
    /// built in a temporary index so the user's index is never touched.
    pub async fn commit_file(
        &self,
        parent: &str,
        file: &str,
        content: &[u8],
        message: &str,
    ) -> Result<String> {
        let blob = self
            .run(&["hash-object", "-w", "--stdin"], &[], Some(content))
            .await?;
        let index = TemporaryIndex::new(&self.common_dir).await?;
        let env = [("GIT_INDEX_FILE", index.path.as_os_str())];
        self.run(&["read-tree", parent], &env, None).await?;
        let entry = format!("100644,{blob},{file}");
        self.run(
            &["update-index", "--add", "--cacheinfo", &entry],
            &env,
            None,
        )
        .await?;
        let tree = self.run(&["write-tree"], &env, None).await?;
        self.commit_tree(&tree, parent, message).await
    }

    /// A commit of `tree` with `parent` as its only parent.
    pub async fn commit_tree(&self, tree: &str, parent: &str, message: &str) -> Result<String> {
        self.run(
            &[
                "commit-tree",
                tree,
                "-p",
                parent,
                "--no-gpg-sign",
                "-F",
                "-",
            ],
            &[],
            Some(message.as_bytes()),
        )
        .await
    }

    /// Point a new branch at `commit`; `false` when the branch exists already
    /// (it is never overwritten).
    pub async fn create_branch(&self, name: &str, commit: &str) -> Result<bool> {
        let full = format!("refs/heads/{name}");
        let absent = "0".repeat(commit.len());
        let out = self
            .exec(&["update-ref", &full, commit, &absent], &[], None)
            .await?;
        if out.status.success() {
            return Ok(true);
        }
        if self.branch_commit(name).await?.is_some() {
            return Ok(false);
        }
        Err(failure(&["update-ref", &full], &out))
    }

    /// Move a branch from `old` to `new`; fails if it moved meanwhile.
    pub async fn move_branch(&self, name: &str, new: &str, old: &str) -> Result<()> {
        let full = format!("refs/heads/{name}");
        self.run(&["update-ref", &full, new, old], &[], None)
            .await
            .map(drop)
    }

    /// Squash `branch` onto `base` in memory (git ≥ 2.38).
    pub async fn merge_tree(&self, base: &str, branch: &str) -> Result<MergeTree> {
        let args = [
            "merge-tree",
            "--write-tree",
            "--name-only",
            "--no-messages",
            base,
            branch,
        ];
        let out = self.exec(&args, &[], None).await?;
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        match out.status.code() {
            Some(0) => Ok(MergeTree::Clean {
                tree: lines.next().unwrap_or_default().to_string(),
            }),
            Some(1) => Ok(MergeTree::Conflicts {
                files: lines
                    .skip(1)
                    .take_while(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
            }),
            _ => Err(failure(&args, &out)),
        }
    }

    /// Branches checked out in a working tree of this repository (the main
    /// one or a linked one).
    pub async fn checked_out_branches(&self) -> Result<Vec<String>> {
        let text = self
            .run(&["worktree", "list", "--porcelain"], &[], None)
            .await?;
        let mut branches = Vec::new();
        for entry in text.split("\n\n") {
            if entry.lines().any(|l| l.starts_with("prunable")) {
                continue;
            }
            branches.extend(
                entry
                    .lines()
                    .filter_map(|l| l.strip_prefix("branch refs/heads/"))
                    .map(str::to_string),
            );
        }
        Ok(branches)
    }

    /// Commits on `branch` that `base` lacks, and the diffstat of `branch`
    /// against where it left `base`; None when either branch is gone.
    pub async fn compare(&self, base: &str, branch: &str) -> Result<Option<(u32, Stat)>> {
        if self.branch_commit(base).await?.is_none() || self.branch_commit(branch).await?.is_none()
        {
            return Ok(None);
        }
        let range = format!("refs/heads/{base}..refs/heads/{branch}");
        let count = self
            .run(&["rev-list", "--count", &range], &[], None)
            .await?;
        let count = count.parse().map_err(|e| {
            Error::internal(
                "counting commits",
                format!("unexpected answer {count:?}: {e}"),
            )
        })?;
        let range = format!("refs/heads/{base}...refs/heads/{branch}");
        let stat = self
            .run(&["diff", "--shortstat", &range, "--"], &[], None)
            .await?;
        Ok(Some((count, Stat::parse(&stat))))
    }

    /// Run git and insist on success; the trimmed standard output.
    async fn run(
        &self,
        args: &[&str],
        env: &[(&str, &OsStr)],
        stdin: Option<&[u8]>,
    ) -> Result<String> {
        let out = self.exec(args, env, stdin).await?;
        if !out.status.success() {
            return Err(failure(args, &out));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    async fn exec(
        &self,
        args: &[&str],
        env: &[(&str, &OsStr)],
        stdin: Option<&[u8]>,
    ) -> Result<Output> {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(&self.path).args(args);
        for var in REDIRECTING_VARS {
            cmd.env_remove(var);
        }
        cmd.env("GIT_CEILING_DIRECTORIES", &self.ceiling)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C")
            .envs(IDENTITY)
            .envs(env.iter().copied())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let context = || format!("running `git {}`", args.first().unwrap_or(&""));
        let mut child = cmd.spawn().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::internal(context(), "git is not installed or not on PATH")
            } else {
                Error::internal(context(), e)
            }
        })?;
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            pipe.write_all(input)
                .await
                .map_err(|e| Error::internal(context(), e))?;
        }
        child
            .wait_with_output()
            .await
            .map_err(|e| Error::internal(context(), e))
    }
}

fn failure(args: &[&str], out: &Output) -> Error {
    let command = args.join(" ");
    Error::internal(
        format!("git {}", args.first().unwrap_or(&"")),
        GitFailure {
            command,
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        },
    )
}

/// `git diff --shortstat` in numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stat {
    pub files: u64,
    pub additions: u64,
    pub deletions: u64,
}

impl Stat {
    /// ` 2 files changed, 5 insertions(+), 1 deletion(-)`; empty for no change.
    fn parse(text: &str) -> Stat {
        let mut stat = Stat::default();
        for part in text.split(',') {
            let mut words = part.split_whitespace();
            let (Some(n), Some(what)) = (words.next(), words.next()) else {
                continue;
            };
            let n = n.parse().unwrap_or(0);
            if what.starts_with("file") {
                stat.files = n;
            } else if what.starts_with("insertion") {
                stat.additions = n;
            } else if what.starts_with("deletion") {
                stat.deletions = n;
            }
        }
        stat
    }
}

/// An index file of AIPM's own inside the git dir, removed when dropped.
struct TemporaryIndex {
    path: PathBuf,
}

impl TemporaryIndex {
    async fn new(common_dir: &Path) -> Result<TemporaryIndex> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = common_dir.join("aipm").join("tmp");
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| Error::internal(format!("creating {}", dir.display()), e))?;
        let name = format!(
            "index-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        Ok(TemporaryIndex {
            path: dir.join(name),
        })
    }
}

impl Drop for TemporaryIndex {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_file(self.path.with_extension("lock"));
    }
}

#[cfg(test)]
mod tests {
    use super::Stat;

    #[test]
    fn shortstat_is_read_in_all_its_spellings() {
        let stat = Stat::parse(" 2 files changed, 5 insertions(+), 1 deletion(-)");
        assert_eq!(
            stat,
            Stat {
                files: 2,
                additions: 5,
                deletions: 1
            }
        );
        let stat = Stat::parse(" 1 file changed, 1 deletion(-)");
        assert_eq!(
            stat,
            Stat {
                files: 1,
                additions: 0,
                deletions: 1
            }
        );
        assert_eq!(Stat::parse(""), Stat::default());
    }
}
