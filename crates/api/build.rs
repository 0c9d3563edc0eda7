//! Embeds the git commit AIPM was built from (`/api/version`, `/api/health`).
//! A deployment may set AIPM_GIT_COMMIT itself.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=AIPM_GIT_COMMIT");
    println!("cargo:rerun-if-changed=../.git/HEAD");
    println!("cargo:rerun-if-changed=../.git/refs/heads");
    let commit = std::env::var("AIPM_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| {
            let out = Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        });
    println!(
        "cargo:rustc-env=AIPM_GIT_COMMIT={}",
        commit.unwrap_or_else(|| "unknown".into())
    );
}
