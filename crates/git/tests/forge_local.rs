//! The local git forge against real git: repositories made here with
//! `git init`, bare and with a working tree.

use aipm_core::forge::{Forge, PrState, PullRequestInfo, PullRequestRequest};
use aipm_core::Error;
use aipm_git::LocalGitForge;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

const TASK: &str = "# Task\n\nLet a user reset their password.\n";

/// Run git as a person would, with no global or system config.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Dev", "-c", "user.email=dev@example.com"])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

/// A repository with a working tree, `main` checked out, one commit.
fn working_repo(root: &TempDir) -> PathBuf {
    let dir = root.path().join("work");
    std::fs::create_dir(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    write(&dir.join("README.md"), "hello\nworld\n");
    git(&dir, &["add", "README.md"]);
    git(&dir, &["commit", "-q", "-m", "first"]);
    dir
}

/// A bare repository whose `main` has one commit.
fn bare_repo(root: &TempDir) -> PathBuf {
    let work = working_repo(root);
    let bare = root.path().join("origin.git");
    git(
        root.path(),
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            "origin.git",
        ],
    );
    bare
}

fn request(repo: &Path, base: Option<&str>) -> PullRequestRequest {
    PullRequestRequest {
        repo: repo.to_string_lossy().into_owned(),
        base: base.map(str::to_string),
        branch: "aipm/7-reset-password".into(),
        title: "Reset password".into(),
        body: "Story 7".into(),
        task_md: TASK.into(),
        commit_message: "AIPM: task for story 7".into(),
    }
}

fn repo_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Clone `repo`, commit `file` with `text` on `branch`, push it back.
fn push_commit(root: &TempDir, repo: &Path, branch: &str, file: &str, text: &str) {
    let clone = root
        .path()
        .join(format!("clone-{}", branch.replace('/', "_")));
    if !clone.exists() {
        git(
            root.path(),
            &["clone", "-q", repo_str(repo), clone.to_str().unwrap()],
        );
    }
    git(&clone, &["fetch", "-q", "origin"]);
    git(
        &clone,
        &["checkout", "-q", "-B", branch, &format!("origin/{branch}")],
    );
    write(&clone.join(file), text);
    git(&clone, &["add", file]);
    git(&clone, &["commit", "-q", "-m", &format!("change {file}")]);
    git(&clone, &["push", "-q", "origin", branch]);
}

fn rule_code(error: &Error) -> Option<&'static str> {
    match error {
        Error::Rule { rule, .. } => Some(rule.code()),
        _ => None,
    }
}

/// Named after the file so `cargo nextest run forge` selects these tests.
mod forge_local {
    use super::*;

    #[tokio::test]
    async fn given_a_checkout_with_staged_work_when_a_pr_opens_then_the_branch_carries_task_md_and_the_checkout_is_untouched(
    ) {
        let root = TempDir::new().unwrap();
        let repo = working_repo(&root);
        // The user is in the middle of something: staged, unstaged and untracked.
        write(&repo.join("README.md"), "hello\nthere\n");
        git(&repo, &["add", "README.md"]);
        write(&repo.join("README.md"), "hello\nthere\nagain\n");
        write(&repo.join("notes.txt"), "mine\n");
        let status_before = git(&repo, &["status", "--porcelain"]);
        let index_before = git(&repo, &["ls-files", "--stage"]);
        let head_before = git(&repo, &["rev-parse", "HEAD"]);
        let index_bytes_before = std::fs::read(repo.join(".git/index")).unwrap();

        let pr = LocalGitForge::new()
            .open_pull_request(&request(&repo, Some("main")))
            .await
            .unwrap();

        assert_eq!(pr.branch, "aipm/7-reset-password");
        assert_eq!(pr.base, "main");
        assert_eq!((pr.number, pr.state, pr.draft), (1, PrState::Open, true));
        assert_eq!(pr.commits, Some(1));
        assert_eq!(pr.diffstat.as_deref(), Some("1 file changed, +3 -0"));
        assert!(pr.url.starts_with("file:///") && pr.url.ends_with("#pr-1"));
        let branch = "refs/heads/aipm/7-reset-password";
        assert_eq!(
            git(&repo, &["show", &format!("{branch}:TASK.md")]),
            TASK.trim()
        );
        assert_eq!(
            git(&repo, &["rev-parse", &format!("{branch}^")]),
            head_before,
            "the TASK.md commit sits on the base"
        );
        assert_eq!(
            git(&repo, &["ls-tree", "--name-only", branch]),
            "README.md\nTASK.md"
        );
        assert_eq!(
            git(
                &repo,
                &["log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", branch]
            ),
            "AIPM <aipm@localhost>|AIPM <aipm@localhost>|AIPM: task for story 7"
        );
        assert_eq!(git(&repo, &["status", "--porcelain"]), status_before);
        assert_eq!(git(&repo, &["ls-files", "--stage"]), index_before);
        assert_eq!(
            std::fs::read(repo.join(".git/index")).unwrap(),
            index_bytes_before
        );
        assert_eq!(git(&repo, &["rev-parse", "HEAD"]), head_before);
        assert_eq!(git(&repo, &["symbolic-ref", "HEAD"]), "refs/heads/main");
    }

    #[tokio::test]
    async fn given_a_bare_repo_and_no_base_when_a_pr_opens_then_it_starts_from_the_default_branch()
    {
        let root = TempDir::new().unwrap();
        let repo = bare_repo(&root);
        let main = git(&repo, &["rev-parse", "refs/heads/main"]);

        let pr = LocalGitForge::new()
            .open_pull_request(&request(&repo, None))
            .await
            .unwrap();

        assert_eq!(pr.base, "main");
        assert_eq!(
            git(&repo, &["rev-parse", "refs/heads/aipm/7-reset-password^"]),
            main
        );
        assert_eq!(git(&repo, &["rev-parse", "refs/heads/main"]), main);
        assert!(
            repo.join("aipm/pulls/1.json").is_file(),
            "the record lives in the git dir"
        );
    }

    #[tokio::test]
    async fn given_the_branch_is_taken_when_a_pr_opens_then_it_gets_a_suffix_and_the_old_branch_stays(
    ) {
        let root = TempDir::new().unwrap();
        let repo = working_repo(&root);
        git(&repo, &["branch", "aipm/7-reset-password"]);
        let taken = git(&repo, &["rev-parse", "refs/heads/aipm/7-reset-password"]);
        let forge = LocalGitForge::new();

        let second = forge
            .open_pull_request(&request(&repo, Some("main")))
            .await
            .unwrap();
        let third = forge
            .open_pull_request(&request(&repo, Some("main")))
            .await
            .unwrap();

        assert_eq!(second.branch, "aipm/7-reset-password-2");
        assert_eq!(third.branch, "aipm/7-reset-password-3");
        assert_eq!(
            git(&repo, &["rev-parse", "refs/heads/aipm/7-reset-password"]),
            taken
        );
        assert_eq!((second.number, third.number), (1, 2), "PR numbers count up");
    }

    #[tokio::test]
    async fn given_an_open_pr_when_commented_and_closed_then_the_record_keeps_both() {
        let root = TempDir::new().unwrap();
        let repo = bare_repo(&root);
        let forge = LocalGitForge::new();
        let pr = forge
            .open_pull_request(&request(&repo, None))
            .await
            .unwrap();

        forge
            .comment(repo_str(&repo), pr.number, "Run 3 succeeded")
            .await
            .unwrap();
        forge.close(repo_str(&repo), pr.number).await.unwrap();

        let after = forge
            .pull_request(repo_str(&repo), pr.number)
            .await
            .unwrap();
        assert_eq!(after.state, PrState::Closed);
        let record: serde_json::Value =
            serde_json::from_slice(&std::fs::read(repo.join("aipm/pulls/1.json")).unwrap())
                .unwrap();
        assert_eq!(record["state"], "closed");
        assert_eq!(record["title"], "Reset password");
        assert_eq!(record["comments"][0]["body"], "Run 3 succeeded");
        let merged = forge.merge(repo_str(&repo), pr.number).await.unwrap_err();
        assert_eq!(rule_code(&merged), Some("PR_NOT_OPEN"));
        let missing = forge.pull_request(repo_str(&repo), 99).await.unwrap_err();
        assert!(matches!(missing, Error::NotFound { .. }), "{missing}");
    }

    #[tokio::test]
    async fn given_an_agent_pushed_a_commit_when_the_pr_is_read_then_it_reports_commits_and_diffstat(
    ) {
        let root = TempDir::new().unwrap();
        let repo = bare_repo(&root);
        let forge = LocalGitForge::new();
        let pr = forge
            .open_pull_request(&request(&repo, None))
            .await
            .unwrap();
        let remote = forge.remote(repo_str(&repo)).unwrap();
        assert!(remote.env.is_empty());

        push_commit(
            &root,
            Path::new(&remote.url),
            &pr.branch,
            "src.txt",
            "a\nb\n",
        );

        let read = forge
            .pull_request(repo_str(&repo), pr.number)
            .await
            .unwrap();
        assert_eq!(read.commits, Some(2));
        assert_eq!(read.diffstat.as_deref(), Some("2 files changed, +5 -0"));
    }

    #[tokio::test]
    async fn given_a_bare_repo_when_a_pr_is_merged_then_the_base_gets_one_squash_commit_with_the_branch_tree(
    ) {
        let root = TempDir::new().unwrap();
        let repo = bare_repo(&root);
        let forge = LocalGitForge::new();
        let pr = forge
            .open_pull_request(&request(&repo, None))
            .await
            .unwrap();
        push_commit(&root, &repo, &pr.branch, "src.txt", "a\nb\n");
        let base_before = git(&repo, &["rev-parse", "refs/heads/main"]);

        let merged: PullRequestInfo = forge.merge(repo_str(&repo), pr.number).await.unwrap();

        assert_eq!(merged.state, PrState::Merged);
        let base_after = git(&repo, &["rev-parse", "refs/heads/main"]);
        assert_eq!(
            git(&repo, &["rev-list", "--parents", "-n", "1", &base_after]),
            format!("{base_after} {base_before}"),
            "one commit, with the old base as its only parent"
        );
        assert_eq!(
            git(&repo, &["rev-parse", "refs/heads/main^{tree}"]),
            git(
                &repo,
                &["rev-parse", &format!("refs/heads/{}^{{tree}}", pr.branch)]
            )
        );
        assert_eq!(
            git(&repo, &["log", "-1", "--format=%s", "refs/heads/main"]),
            "Reset password (#1)"
        );
        let again = forge.merge(repo_str(&repo), pr.number).await.unwrap_err();
        assert_eq!(rule_code(&again), Some("PR_NOT_OPEN"));
    }

    #[tokio::test]
    async fn given_the_base_is_checked_out_when_merging_then_it_is_refused_and_nothing_moves() {
        let root = TempDir::new().unwrap();
        let repo = working_repo(&root);
        let forge = LocalGitForge::new();
        let pr = forge
            .open_pull_request(&request(&repo, Some("main")))
            .await
            .unwrap();
        let base_before = git(&repo, &["rev-parse", "refs/heads/main"]);

        let refused = forge.merge(repo_str(&repo), pr.number).await.unwrap_err();

        assert_eq!(rule_code(&refused), Some("BASE_CHECKED_OUT"));
        assert!(refused.to_string().contains("checked out"), "{refused}");
        assert_eq!(git(&repo, &["rev-parse", "refs/heads/main"]), base_before);
        assert_eq!(git(&repo, &["status", "--porcelain"]), "");
        let still = forge
            .pull_request(repo_str(&repo), pr.number)
            .await
            .unwrap();
        assert_eq!(still.state, PrState::Open);
    }

    #[tokio::test]
    async fn given_a_checkout_on_another_branch_when_merging_into_main_then_it_merges_and_the_checkout_stays_clean(
    ) {
        let root = TempDir::new().unwrap();
        let repo = working_repo(&root);
        git(&repo, &["checkout", "-q", "-b", "dev"]);
        let forge = LocalGitForge::new();
        let pr = forge
            .open_pull_request(&request(&repo, Some("main")))
            .await
            .unwrap();

        let merged = forge.merge(repo_str(&repo), pr.number).await.unwrap();

        assert_eq!(merged.state, PrState::Merged);
        assert_eq!(
            git(&repo, &["show", "refs/heads/main:TASK.md"]),
            TASK.trim()
        );
        assert_eq!(git(&repo, &["status", "--porcelain"]), "");
        assert_eq!(git(&repo, &["symbolic-ref", "HEAD"]), "refs/heads/dev");
    }

    #[tokio::test]
    async fn given_the_base_changed_the_same_lines_when_merging_then_it_is_refused_as_a_conflict() {
        let root = TempDir::new().unwrap();
        let repo = bare_repo(&root);
        let forge = LocalGitForge::new();
        let pr = forge
            .open_pull_request(&request(&repo, None))
            .await
            .unwrap();
        push_commit(&root, &repo, &pr.branch, "README.md", "hello\nbranch\n");
        push_commit(&root, &repo, "main", "README.md", "hello\nbase\n");
        let base_before = git(&repo, &["rev-parse", "refs/heads/main"]);

        let refused = forge.merge(repo_str(&repo), pr.number).await.unwrap_err();

        assert_eq!(rule_code(&refused), Some("MERGE_CONFLICT"));
        assert!(refused.to_string().contains("README.md"), "{refused}");
        assert_eq!(git(&repo, &["rev-parse", "refs/heads/main"]), base_before);
    }

    #[tokio::test]
    async fn given_a_path_that_is_no_repository_when_used_then_it_is_invalid_on_repository() {
        let root = TempDir::new().unwrap();
        let repo = working_repo(&root);
        let plain = root.path().join("plain");
        std::fs::create_dir(&plain).unwrap();
        let inside = repo.join("sub");
        std::fs::create_dir(&inside).unwrap();
        let missing = root.path().join("missing");
        let forge = LocalGitForge::new();

        for path in [&missing, &plain, &inside] {
            let error = forge
                .open_pull_request(&request(path, Some("main")))
                .await
                .unwrap_err();
            match &error {
                Error::Invalid { field, reason } => {
                    assert_eq!(field, "repository");
                    assert!(reason.contains(repo_str(path)), "{reason}");
                }
                other => panic!("expected Invalid, got {other:?}"),
            }
        }
        assert!(matches!(
            forge.remote(repo_str(&missing)),
            Err(Error::Invalid { .. })
        ));
        assert!(matches!(
            forge.pull_request(repo_str(&plain), 1).await,
            Err(Error::Invalid { .. })
        ));
    }

    #[tokio::test]
    async fn given_a_missing_base_when_a_pr_opens_then_it_is_invalid_on_base_and_no_branch_is_made()
    {
        let root = TempDir::new().unwrap();
        let repo = working_repo(&root);

        let error = LocalGitForge::new()
            .open_pull_request(&request(&repo, Some("release")))
            .await
            .unwrap_err();

        assert!(
            matches!(&error, Error::Invalid { field, .. } if field == "base"),
            "{error:?}"
        );
        assert_eq!(git(&repo, &["branch", "--list", "aipm/*"]), "");
    }
}
