//! Builds the web UI into the `aipm` binary: every file under `web/` becomes
//! an entry of a table in `$OUT_DIR/web_files.rs`, read by `src/web.rs`, so
//! that `aipm serve` needs no checkout beside it.

use std::path::{Path, PathBuf};

fn main() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web");
    let web = web
        .canonicalize()
        .unwrap_or_else(|e| panic!("the web UI is built into aipm: {}: {e}", web.display()));
    // A directory here makes cargo look at every file under it.
    println!("cargo:rerun-if-changed={}", web.display());
    let mut files = Vec::new();
    collect(&web, &mut files);
    files.sort();
    let mut out = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for file in &files {
        let relative = file
            .strip_prefix(&web)
            .expect("under web/")
            .components()
            .map(|c| c.as_os_str().to_str().expect("web/ file names are UTF-8"))
            .collect::<Vec<_>>()
            .join("/");
        let absolute = file.to_str().expect("web/ paths are UTF-8");
        out.push_str(&format!(
            "    ({relative:?}, include_bytes!({absolute:?})),\n"
        ));
    }
    out.push_str("];\n");
    let target = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(target.join("web_files.rs"), out).expect("writing web_files.rs");
}

/// Every file under `dir`, leaving out hidden ones (editor and OS leftovers).
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
        {
            continue;
        }
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}
