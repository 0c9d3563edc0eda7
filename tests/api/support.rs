//! A running `aipm serve` and a small JSON client for it.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub struct Server {
    pub url: String,
    child: Child,
    pub data_dir: tempfile::TempDir,
    client: reqwest::Client,
    token: Option<String>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

impl Server {
    pub fn start() -> Server {
        Server::start_with(&[], tempfile::tempdir().unwrap())
    }

    /// Start with extra environment (e.g. AIPM_API_TOKEN) on a given data dir.
    pub fn start_with(env: &[(&str, &str)], data_dir: tempfile::TempDir) -> Server {
        Server::start_with_args(env, &[], data_dir)
    }

    /// Start with extra environment and extra `serve` arguments.
    pub fn start_with_args(
        env: &[(&str, &str)],
        args: &[&str],
        data_dir: tempfile::TempDir,
    ) -> Server {
        Server::start_in(None, env, args, data_dir)
    }

    /// Start in a working directory of the test's choosing (by default the
    /// test's own); the web UI is the one built into the binary unless
    /// `args` name `--web-dir`.
    pub fn start_in(
        cwd: Option<&Path>,
        env: &[(&str, &str)],
        args: &[&str],
        data_dir: tempfile::TempDir,
    ) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aipm"));
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .arg("--data-dir")
            .arg(data_dir.path())
            .env_remove("AIPM_WEB_DIR")
            .env_remove("AIPM_API_TOKEN")
            .env("AIPM_LOG", "warn")
            .stdout(Stdio::piped());
        // A test that sets AIPM_LOG reads the log (`Server::log`); the rest
        // show warnings on the test's own stderr.
        if env.iter().any(|(k, _)| *k == "AIPM_LOG") {
            let file = std::fs::File::create(data_dir.path().join("serve.log")).unwrap();
            cmd.stderr(Stdio::from(file));
        } else {
            cmd.stderr(Stdio::inherit());
        }
        if !args.contains(&"--web-dir") {
            cmd.args(["--web-dir", concat!(env!("CARGO_MANIFEST_DIR"), "/../web")]);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        if let Some(cwd) = cwd {
            cmd.current_dir(cwd);
        }
        let mut child = cmd.spawn().expect("start aipm serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("aipm serve printed no URL: {line:?}"))
            .trim_end_matches('/')
            .to_string();
        let token = env
            .iter()
            .find(|(k, _)| *k == "AIPM_API_TOKEN")
            .map(|(_, v)| v.to_string());
        Server {
            url,
            child,
            data_dir,
            // Idle connections are dropped before the server's idle timeout
            // (10 s) can close one under a request just being sent.
            client: reqwest::Client::builder()
                .pool_idle_timeout(std::time::Duration::from_secs(5))
                .build()
                .unwrap(),
            token,
        }
    }

    /// The JSON log lines the server has written so far (when started with
    /// AIPM_LOG).
    pub fn log(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.data_dir.path().join("serve.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn data_path(&self) -> &Path {
        self.data_dir.path()
    }

    /// Stop with SIGTERM and wait; returns the exit status.
    pub fn stop(mut self) -> (std::process::ExitStatus, tempfile::TempDir) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = self.child.wait().unwrap();
        let dir = std::mem::replace(&mut self.data_dir, tempfile::tempdir().unwrap());
        (status, dir)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.client.request(method, format!("{}{path}", self.url));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn raw(&self, method: Method, path: &str, body: Vec<u8>) -> Reply {
        let res = self
            .client
            .request(method, format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        Reply {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, &[]).await
    }

    /// Create a story and return its body, asserting 201.
    pub async fn story(&self, body: Value) -> Value {
        let reply = self.post("/api/stories", body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A story body that passes every check on its own. Stories made from it
/// differ only in their title, so the duplicate check would flag the second
/// one: the body accepts warnings, and the quality tests check them apart.
pub fn good_story(title: &str) -> Value {
    serde_json::json!({
        "title": title,
        "asA": "support agent",
        "iWant": format!("to see the {title} tickets of a customer on one page"),
        "soThat": format!("I answer a caller about {title} within 2 minutes"),
        "description": "The ticket list shows status and age.",
        "storyPoint": 3,
        "components": ["WorkModel"],
        "acceptWarnings": true,
    })
}
