//! Each function links only the clients its operation uses: its package's
//! normal dependency graph (`cargo tree`, as `cargo lambda build --bin` and
//! `sam build` resolve it for that one function) holds no SQLite, and no
//! HTTP client, SDK or forge it does not build.

use std::collections::BTreeSet;
use std::process::Command;

/// Crates only some functions may link, with the feature of `aipm-lambda`
/// that brings each in.
const GATED: &[(&str, &str)] = &[
    ("reqwest", "llm"),
    ("aipm-llm", "llm"),
    ("octocrab", "forge"),
    ("aipm-github", "forge"),
    ("aipm-git", "forge"),
    ("aws-sdk-sqs", "queue"),
    ("aws-sdk-ssm", "llm|forge"),
];

/// Crates no function links.
const NEVER: &[&str] = &[
    "rusqlite",
    "libsqlite3-sys",
    "aipm-sqlite",
    "aipm-worker",
    "rmcp",
    "axum",
];

fn features_of(function: &str) -> BTreeSet<&'static str> {
    let manifest = format!(
        "{}/../../functions/{function}/Cargo.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|e| panic!("{manifest}: {e}"));
    let mut features = BTreeSet::new();
    for feature in ["llm", "queue", "forge", "codegen"] {
        if text.contains(&format!("\"{feature}\"")) {
            features.insert(feature);
        }
    }
    if features.contains("codegen") {
        features.extend(["queue", "forge"]);
    }
    features
}

fn linked(function: &str) -> BTreeSet<String> {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
        ])
        .arg(format!("aipm-fn-{function}"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree");
    assert!(
        out.status.success(),
        "cargo tree: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn every_function_links_only_the_clients_it_builds() {
    let dir = format!("{}/../../functions", env!("CARGO_MANIFEST_DIR"));
    let mut functions: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    functions.sort();
    assert_eq!(functions.len(), 33, "{functions:?}");
    let mut wrong = Vec::new();
    for function in &functions {
        let features = features_of(function);
        let crates = linked(function);
        for krate in NEVER {
            if crates.contains(*krate) {
                wrong.push(format!("{function} links {krate}"));
            }
        }
        for (krate, gate) in GATED {
            let allowed = gate.split('|').any(|g| features.contains(g));
            if crates.contains(*krate) != allowed {
                wrong.push(format!(
                    "{function} ({features:?}) {} {krate}",
                    if allowed { "lacks" } else { "links" }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn get_stories_links_the_dynamodb_store_and_nothing_of_code_generation() {
    let crates = linked("get-stories");
    assert!(crates.contains("aws-sdk-dynamodb"));
    for krate in [
        "octocrab",
        "rusqlite",
        "reqwest",
        "aws-sdk-sqs",
        "aws-sdk-ssm",
    ] {
        assert!(!crates.contains(krate), "get-stories links {krate}");
    }
}
