//! The web UI's files: the copy built into the binary (see `build.rs`), or a
//! directory on disk when one is given, for working on the UI without a
//! rebuild.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use std::path::{Component, Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web_files.rs"));
}

#[derive(Debug, Clone)]
pub enum WebUi {
    /// The files of `web/` as they were when the binary was built.
    Embedded,
    /// Read from this directory at each request.
    Dir(PathBuf),
}

impl WebUi {
    /// The directory is resolved once: a file must lie inside it, so a
    /// symlink that points out is refused like a missing file.
    pub fn new(dir: Option<PathBuf>) -> WebUi {
        dir.map_or(WebUi::Embedded, |d| {
            WebUi::Dir(std::fs::canonicalize(&d).unwrap_or(d))
        })
    }

    /// The answer to `method` on `path` (`/` is `index.html`): the files
    /// are read-only.
    pub async fn respond(&self, method: &http::Method, path: &str) -> Response {
        if !matches!(*method, http::Method::GET | http::Method::HEAD) {
            let mut r = Response::new(Body::from("the web UI's files are read-only"));
            *r.status_mut() = http::StatusCode::METHOD_NOT_ALLOWED;
            r.headers_mut()
                .insert(http::header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return r;
        }
        let Some(relative) = relative_path(path) else {
            return not_found();
        };
        let bytes = match self {
            WebUi::Embedded => embedded::FILES
                .iter()
                .find(|(name, _)| *name == relative)
                .map(|(_, bytes)| Body::from(*bytes)),
            WebUi::Dir(dir) => match tokio::fs::canonicalize(dir.join(&relative)).await {
                Ok(file) if file.starts_with(dir) => {
                    tokio::fs::read(file).await.ok().map(Body::from)
                }
                _ => None,
            },
        };
        let Some(body) = bytes else {
            return not_found();
        };
        let mut r = Response::new(body);
        r.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(&relative)),
        );
        // The UI has no build step that would version its file names.
        r.headers_mut().insert(
            http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        );
        r
    }
}

/// The file a URL path names, or `None` for anything that could leave the
/// UI's directory (`..`, absolute parts, a drive prefix) and for dotfiles.
fn relative_path(path: &str) -> Option<String> {
    let relative = match path.trim_start_matches('/') {
        "" => "index.html",
        other => other,
    };
    Path::new(relative)
        .components()
        .all(|c| matches!(c, Component::Normal(name) if !name.to_string_lossy().starts_with('.')))
        .then(|| relative.to_string())
}

fn content_type(file: &str) -> &'static str {
    let extension = Path::new(file)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "md" => "text/markdown; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_ui_is_built_in_with_a_known_type() {
        let names: Vec<&str> = embedded::FILES.iter().map(|(n, _)| *n).collect();
        for needed in [
            "index.html",
            "config.js",
            "js/app.js",
            "css/base.css",
            "favicon.svg",
        ] {
            assert!(
                names.contains(&needed),
                "{needed} is missing from {names:?}"
            );
        }
        for name in &names {
            assert_ne!(content_type(name), "application/octet-stream", "{name}");
        }
    }

    #[test]
    fn paths_that_leave_the_directory_name_no_file() {
        assert_eq!(relative_path("/").as_deref(), Some("index.html"));
        assert_eq!(relative_path("/js/app.js").as_deref(), Some("js/app.js"));
        for bad in ["/../Cargo.toml", "/js/../../x", "/./index.html"] {
            assert_eq!(relative_path(bad), None, "{bad}");
        }
    }
}
