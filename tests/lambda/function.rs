//! A function binary run the way Lambda runs it: a child process that knows
//! only its environment, polls its own Runtime API emulator for events and
//! keeps its state in DynamoDB (moto).

use crate::runtime_api::{Answer, Outcome, RuntimeApi};
use aipm_api::Operation;
use serde_json::Value;
use std::ffi::OsStr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

/// Longer than any answer should take, even in a debug build on a busy machine.
const PATIENCE: Duration = Duration::from_secs(60);

/// The binary Cargo built for a function: each function is a package of
/// its own, built beside this test (`target/<profile>/<name>`) by
/// `cargo nextest run --workspace` or `cargo build --workspace`.
pub fn binary(function: &str) -> Option<std::path::PathBuf> {
    Operation::from_function(function)?;
    let exe = std::env::current_exe().ok()?;
    // target/<profile>/deps/invoke-<hash> → target/<profile>/<name>
    let path = exe.parent()?.parent()?.join(function);
    path.exists().then_some(path)
}

/// An HTTP API (payload 2.0) response as the function returned it.
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: u16,
    pub headers: Value,
    /// The body parsed as JSON (a string when it is not JSON); `Null` when there is none.
    pub body: Value,
}

impl HttpAnswer {
    fn from_event(event: &Value) -> HttpAnswer {
        let status = event["statusCode"].as_u64().expect("a statusCode") as u16;
        assert_eq!(
            event["isBase64Encoded"], false,
            "AIPM answers text: {event}"
        );
        let body = match event["body"].as_str() {
            None | Some("") => Value::Null,
            // JSON, except for exports in CSV, kept as text.
            Some(text) => {
                serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
            }
        };
        HttpAnswer {
            status,
            headers: event["headers"].clone(),
            body,
        }
    }

    /// The error code of an error answer.
    pub fn code(&self) -> Option<&str> {
        self.body["code"].as_str()
    }
}

pub struct Function {
    pub name: String,
    pub started: Instant,
    api: RuntimeApi,
    child: Child,
    output: Arc<Mutex<Vec<String>>>,
    readers: Vec<tokio::task::JoinHandle<()>>,
}

impl Function {
    /// Start `operation`'s binary against `table`.
    pub async fn start(operation: Operation, table: &crate::table::Table) -> Function {
        Function::start_with(operation, table.env()).await
    }

    /// Start `operation`'s binary with Lambda's environment plus `env`, and
    /// nothing else from this process.
    pub async fn start_with<K, V>(
        operation: Operation,
        env: impl IntoIterator<Item = (K, V)>,
    ) -> Function
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let name = operation.function();
        let path = binary(&name).unwrap_or_else(|| {
            panic!("no binary for {operation:?}: add `{name}` to functions/Cargo.toml and to binaries! here")
        });
        let api = RuntimeApi::start(&name).await;
        let mut command = Command::new(path);
        command
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", &name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env(
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2026/01/01/[$LATEST]0123456789abcdef",
            )
            .env("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("TZ", ":UTC")
            .envs(std::env::vars().filter(|(k, _)| k == "AIPM_LOG" || k == "RUST_BACKTRACE"))
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let started = Instant::now();
        let mut child = command.spawn().expect("start the function");
        let output = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            collect(&name, child.stdout.take().unwrap(), output.clone()),
            collect(&name, child.stderr.take().unwrap(), output.clone()),
        ];
        Function {
            name,
            started,
            api,
            child,
            output,
            readers,
        }
    }

    /// Hand the function one event and wait for what it posts back.
    pub async fn invoke_raw(&mut self, event: Value) -> Answer {
        let pending = self.api.enqueue(event);
        tokio::select! {
            answer = tokio::time::timeout(PATIENCE, pending.answer()) => match answer {
                Ok(Some(answer)) => answer,
                Ok(None) => panic!("{}: the runtime API stopped", self.name),
                Err(_) => panic!("{} did not answer within {PATIENCE:?}", self.name),
            },
            status = self.child.wait() => panic!(
                "{} exited ({status:?}) before answering; init error: {:?}",
                self.name,
                self.api.init_error()
            ),
        }
    }

    /// Hand the function an API Gateway event and return its HTTP answer.
    pub async fn invoke(&mut self, event: Value) -> HttpAnswer {
        match self.invoke_raw(event).await.outcome {
            Outcome::Response(response) => HttpAnswer::from_event(&response),
            Outcome::Error { error_type, body } => {
                panic!(
                    "{} reported an invocation error {error_type}: {body}",
                    self.name
                )
            }
        }
    }

    /// `invoke` with the fixture `tests/events/<fixture>.json`.
    pub async fn invoke_fixture(&mut self, fixture: &str) -> HttpAnswer {
        self.invoke(crate::event(fixture)).await
    }

    /// The process's exit status once it has exited by itself, with all
    /// its output read.
    pub async fn exit_status(&mut self) -> std::process::ExitStatus {
        let status = tokio::time::timeout(PATIENCE, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("{} is still running", self.name))
            .expect("the exit status");
        for reader in self.readers.drain(..) {
            reader.await.expect("the output reader");
        }
        status
    }

    /// Every line the process wrote so far, stdout and stderr.
    pub fn output(&self) -> Vec<String> {
        self.output.lock().unwrap().clone()
    }

    /// The first JSON log record that `wanted` accepts, waiting for the
    /// child's output to be read.
    pub async fn log_record(&self, wanted: impl Fn(&Value) -> bool) -> Option<Value> {
        for _ in 0..100 {
            let found = self
                .output()
                .iter()
                .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                .find(|record| wanted(record));
            if found.is_some() {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    pub fn runtime_api(&self) -> &RuntimeApi {
        &self.api
    }

    /// The process's peak resident set (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()?)).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// Stop the process, as Lambda does when it retires an execution environment.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// Keep each line the child writes and echo it into the test's own output.
fn collect(
    name: &str,
    stream: impl AsyncRead + Unpin + Send + 'static,
    into: Arc<Mutex<Vec<String>>>,
) -> tokio::task::JoinHandle<()> {
    let name = name.to_string();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            eprintln!("[{name}] {line}");
            into.lock().unwrap().push(line);
        }
    })
}
