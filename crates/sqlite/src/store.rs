//! The embedded store: one SQLite file in WAL mode. Writes go through one
//! connection (SQLite has one writer at a time anyway); reads use a small pool
//! of their own connections, so a long tree load never waits for a write.

use crate::schema;

use aipm_core::domain::{
    AcceptanceTest, CodeRun, Counter, Project, ProjectId, RunId, Story, StoryId, Task, TaskId,
    TestId, WorkerBeat,
};
use aipm_core::error::{Error, Result};
use aipm_core::store::{Expect, ProjectContents, Store, StoryRecord, Write};
use async_trait::async_trait;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use schema::MIGRATIONS;

const READERS_KEPT: usize = 4;

pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// Woken by the embedded queue's send, so its long polls in this process
    /// return at once (shared/src/queue/embedded.rs).
    queue_sent: tokio::sync::Notify,
}

impl SqliteStore {
    /// Open (creating if needed) the database file and bring its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::internal(format!("creating {}", dir.display()), e))?;
        }
        let mut writer = open_connection(&path).map_err(db_error("opening the database"))?;
        writer
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(db_error("enabling WAL"))?;
        schema::migrate(&mut writer).map_err(db_error("migrating the schema"))?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
                queue_sent: tokio::sync::Notify::new(),
            }),
        })
    }

    /// The job queue kept in this same file (the tables of migration 2).
    /// It shares this store's writer connection, so queue and store writes
    /// take turns in the process instead of contending for SQLite's write
    /// lock, and every handle of this store wakes the others' long polls.
    pub fn queue(&self) -> crate::queue::EmbeddedQueue {
        crate::queue::EmbeddedQueue::new(SqliteStore {
            inner: self.inner.clone(),
        })
    }

    /// Wakes the long polls of this store's queue handles.
    pub(crate) fn queue_sent(&self) -> &tokio::sync::Notify {
        &self.inner.queue_sent
    }

    /// Run `f` on the writer connection, off the async threads.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::internal("sqlite worker thread", e))?
    }

    /// Run `f` on a reader connection, off the async threads.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner
                .readers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop();
            let conn = match pooled {
                Some(c) => c,
                None => open_connection(&inner.path).map_err(db_error("opening a reader"))?,
            };
            let result = f(&conn);
            let mut readers = inner.readers.lock().unwrap_or_else(|p| p.into_inner());
            if readers.len() < READERS_KEPT {
                readers.push(conn);
            }
            result
        })
        .await
        .map_err(|e| Error::internal("sqlite worker thread", e))?
    }
}

fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // With WAL, NORMAL keeps every committed transaction across a process
    // crash; only a power loss may take the last ones.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

pub(crate) fn db_error(context: &'static str) -> impl Fn(rusqlite::Error) -> Error {
    move |e| Error::internal(context, e)
}

fn to_doc<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::internal("encoding a stored item", e))
}

fn from_doc<T: DeserializeOwned>(doc: &str) -> Result<T> {
    serde_json::from_str(doc).map_err(|e| Error::internal("decoding a stored item", e))
}

/// Rows of one `doc` column, decoded.
fn docs<T: DeserializeOwned>(conn: &Connection, sql: &str, id: u64) -> Result<Vec<T>> {
    let mut stmt = conn
        .prepare_cached(sql)
        .map_err(db_error("preparing a query"))?;
    let rows = stmt
        .query_map([id], |r| r.get::<_, String>(0))
        .map_err(db_error("querying"))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(from_doc(&row.map_err(db_error("reading a row"))?)?);
    }
    Ok(out)
}

fn one_doc<T: DeserializeOwned>(conn: &Connection, sql: &str, id: u64) -> Result<Option<T>> {
    let doc: Option<String> = conn
        .query_row(sql, [id], |r| r.get(0))
        .optional()
        .map_err(db_error("querying"))?;
    doc.map(|d| from_doc(&d)).transpose()
}

/// The table and key of the item a write touches, and the version found there.
fn found_version(tx: &Transaction<'_>, write: &Write) -> Result<Option<u64>> {
    let (sql, key): (&str, [u64; 2]) = match write {
        Write::PutProject { project, .. } => (
            "SELECT version FROM projects WHERE id = ?1",
            [project.id.0, 0],
        ),
        Write::PutStory { story, .. } | Write::DeleteStory { story, .. } => {
            ("SELECT version FROM stories WHERE id = ?1", [story.id.0, 0])
        }
        Write::CheckStory { id, .. } => ("SELECT version FROM stories WHERE id = ?1", [id.0, 0]),
        Write::CheckTest { id, .. } => (
            "SELECT version FROM acceptance_tests WHERE id = ?1",
            [id.0, 0],
        ),
        Write::PutTest { test, .. } | Write::DeleteTest { test, .. } => (
            "SELECT version FROM acceptance_tests WHERE id = ?1",
            [test.id.0, 0],
        ),
        Write::PutTask { task, .. } | Write::DeleteTask { task, .. } => {
            ("SELECT version FROM tasks WHERE id = ?1", [task.id.0, 0])
        }
        Write::PutLink { link, .. } | Write::DeleteLink { link, .. } => (
            "SELECT 0 FROM story_dependencies WHERE story_id = ?1 AND depends_on_story_id = ?2",
            [link.story_id.0, link.depends_on_story_id.0],
        ),
        Write::PutRun { run, .. } | Write::DeleteRun { run, .. } => (
            "SELECT version FROM code_runs WHERE run_id = ?1",
            [run.run_id.0, 0],
        ),
        Write::PutPullRequest { pr, .. } | Write::DeletePullRequest { pr, .. } => (
            "SELECT version FROM pull_requests WHERE story_id = ?1 AND number = ?2",
            [pr.story_id.0, pr.number],
        ),
        Write::ClaimActiveRun { story_id, .. } | Write::ReleaseActiveRun { story_id, .. } => (
            "SELECT run_id FROM active_runs WHERE story_id = ?1",
            [story_id.0, 0],
        ),
    };
    let mut stmt = tx
        .prepare_cached(sql)
        .map_err(db_error("preparing a check"))?;
    let found: Option<i64> = if sql.contains("?2") {
        stmt.query_row(params![key[0], key[1]], |r| r.get(0))
    } else {
        stmt.query_row(params![key[0]], |r| r.get(0))
    }
    .optional()
    .map_err(db_error("checking a version"))?;
    Ok(found.map(|v| v as u64))
}

fn check(tx: &Transaction<'_>, write: &Write) -> Result<()> {
    let found = found_version(tx, write)?;
    let holds = match write.expectation() {
        Expect::Absent => found.is_none(),
        Expect::Exists => found.is_some(),
        Expect::Version(v) => found == Some(v),
    };
    if holds {
        Ok(())
    } else {
        Err(write.conflict(found))
    }
}

fn apply(tx: &Transaction<'_>, write: &Write) -> Result<()> {
    check(tx, write)?;
    let exec = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<()> {
        tx.prepare_cached(sql)
            .and_then(|mut s| s.execute(p))
            .map(|_| ())
            .map_err(db_error("writing"))
    };
    match write {
        Write::PutProject { project, .. } => exec(
            "INSERT OR REPLACE INTO projects (id, version, doc) VALUES (?1, ?2, ?3)",
            &[&project.id.0, &project.version, &to_doc(project)?],
        ),
        Write::PutStory { story, .. } => exec(
            "INSERT OR REPLACE INTO stories (id, project_id, parent_id, version, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[&story.id.0, &story.project_id.0, &story.parent_id.map(|p| p.0), &story.version, &to_doc(story)?],
        ),
        Write::DeleteStory { story, .. } => exec("DELETE FROM stories WHERE id = ?1", &[&story.id.0]),
        Write::CheckStory { .. } | Write::CheckTest { .. } => Ok(()),
        Write::PutTest { project_id, test, .. } => exec(
            "INSERT OR REPLACE INTO acceptance_tests (id, story_id, project_id, version, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[&test.id.0, &test.story_id.0, &project_id.0, &test.version, &to_doc(test)?],
        ),
        Write::DeleteTest { test, .. } => exec("DELETE FROM acceptance_tests WHERE id = ?1", &[&test.id.0]),
        Write::PutTask { project_id, task, .. } => exec(
            "INSERT OR REPLACE INTO tasks (id, story_id, project_id, version, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[&task.id.0, &task.story_id.0, &project_id.0, &task.version, &to_doc(task)?],
        ),
        Write::DeleteTask { task, .. } => exec("DELETE FROM tasks WHERE id = ?1", &[&task.id.0]),
        Write::PutLink { project_id, link } => exec(
            "INSERT INTO story_dependencies (story_id, depends_on_story_id, project_id, doc) VALUES (?1, ?2, ?3, ?4)",
            &[&link.story_id.0, &link.depends_on_story_id.0, &project_id.0, &to_doc(link)?],
        ),
        Write::DeleteLink { link, .. } => exec(
            "DELETE FROM story_dependencies WHERE story_id = ?1 AND depends_on_story_id = ?2",
            &[&link.story_id.0, &link.depends_on_story_id.0],
        ),
        Write::PutRun { run, .. } => exec(
            // An upsert, not REPLACE: a REPLACE deletes the row first, and the
            // delete would cascade to the run's log.
            "INSERT INTO code_runs (run_id, story_id, project_id, version, doc) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(run_id) DO UPDATE SET story_id = ?2, project_id = ?3, version = ?4, doc = ?5",
            &[&run.run_id.0, &run.story_id.0, &run.project_id.0, &run.version, &to_doc(run)?],
        ),
        Write::DeleteRun { run, .. } => exec("DELETE FROM code_runs WHERE run_id = ?1", &[&run.run_id.0]),
        Write::PutPullRequest { project_id, pr, .. } => exec(
            "INSERT OR REPLACE INTO pull_requests (story_id, number, project_id, version, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[&pr.story_id.0, &pr.number, &project_id.0, &pr.version, &to_doc(pr)?],
        ),
        Write::DeletePullRequest { pr, .. } => exec(
            "DELETE FROM pull_requests WHERE story_id = ?1 AND number = ?2",
            &[&pr.story_id.0, &pr.number],
        ),
        Write::ClaimActiveRun { story_id, run_id } => exec(
            "INSERT INTO active_runs (story_id, run_id) VALUES (?1, ?2)",
            &[&story_id.0, &run_id.0],
        ),
        Write::ReleaseActiveRun { story_id, .. } => {
            exec("DELETE FROM active_runs WHERE story_id = ?1", &[&story_id.0])
        }
    }
}

/// Apply writes in one IMMEDIATE transaction; any failure rolls all back.
fn apply_all<'a>(conn: &mut Connection, writes: impl IntoIterator<Item = &'a Write>) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db_error("starting a transaction"))?;
    for write in writes {
        apply(&tx, write)?;
    }
    tx.commit().map_err(|e| match e {
        // A deferred foreign key failed: the batch would have left an orphan.
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Error::rule(
                aipm_core::error::Rule::Integrity,
                "the change would leave an item without its story or parent",
                serde_json::json!({}),
            )
        }
        other => Error::internal("committing", other),
    })
}

#[async_trait]
impl Store for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<Duration> {
        let started = Instant::now();
        self.read(|c| {
            c.query_row("SELECT count(*) FROM schema_migrations", [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(db_error("ping"))
        })
        .await?;
        Ok(started.elapsed())
    }

    async fn take_ids(&self, counter: Counter, count: u64) -> Result<u64> {
        let name = counter.name();
        self.write(move |c| {
            let last: i64 = c
                .query_row(
                    "INSERT INTO counters (name, value) VALUES (?1, ?2)
                     ON CONFLICT(name) DO UPDATE SET value = value + ?2
                     RETURNING value",
                    params![name, count as i64],
                    |r| r.get(0),
                )
                .map_err(db_error("taking ids"))?;
            Ok(last as u64 - count + 1)
        })
        .await
    }

    async fn get_project(&self, id: ProjectId) -> Result<Option<Project>> {
        self.read(move |c| one_doc(c, "SELECT doc FROM projects WHERE id = ?1", id.0))
            .await
    }

    async fn list_projects(&self) -> Result<Vec<Project>> {
        self.read(|c| docs(c, "SELECT doc FROM projects WHERE ?1 = ?1 ORDER BY id", 0))
            .await
    }

    async fn get_story(&self, id: StoryId) -> Result<Option<Story>> {
        self.read(move |c| one_doc(c, "SELECT doc FROM stories WHERE id = ?1", id.0))
            .await
    }

    async fn get_stories(&self, ids: Vec<StoryId>) -> Result<Vec<Story>> {
        self.read(move |c| {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(s) = one_doc(c, "SELECT doc FROM stories WHERE id = ?1", id.0)? {
                    out.push(s);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn stories_under(
        &self,
        project: ProjectId,
        parent: Option<StoryId>,
    ) -> Result<Vec<Story>> {
        self.read(move |c| match parent {
            Some(p) => docs(
                c,
                "SELECT doc FROM stories WHERE parent_id = ?1 ORDER BY id",
                p.0,
            ),
            None => docs(
                c,
                "SELECT doc FROM stories WHERE project_id = ?1 AND parent_id IS NULL ORDER BY id",
                project.0,
            ),
        })
        .await
    }

    async fn get_story_record(&self, id: StoryId) -> Result<Option<StoryRecord>> {
        self.read(move |c| {
            let Some(story) = one_doc::<Story>(c, "SELECT doc FROM stories WHERE id = ?1", id.0)? else {
                return Ok(None);
            };
            Ok(Some(StoryRecord {
                story,
                tests: docs(c, "SELECT doc FROM acceptance_tests WHERE story_id = ?1 ORDER BY id", id.0)?,
                tasks: docs(c, "SELECT doc FROM tasks WHERE story_id = ?1 ORDER BY id", id.0)?,
                dependencies: docs(
                    c,
                    "SELECT doc FROM story_dependencies WHERE story_id = ?1 ORDER BY depends_on_story_id",
                    id.0,
                )?,
                dependents: docs(
                    c,
                    "SELECT doc FROM story_dependencies WHERE depends_on_story_id = ?1 ORDER BY story_id",
                    id.0,
                )?,
                pull_requests: docs(c, "SELECT doc FROM pull_requests WHERE story_id = ?1 ORDER BY number", id.0)?,
                runs: docs(c, "SELECT doc FROM code_runs WHERE story_id = ?1 ORDER BY run_id", id.0)?,
                active_run: c
                    .query_row("SELECT run_id FROM active_runs WHERE story_id = ?1", [id.0], |r| r.get::<_, u64>(0))
                    .optional()
                    .map_err(db_error("reading the active run"))?
                    .map(RunId),
            }))
        })
        .await
    }

    async fn project_contents(&self, project: ProjectId) -> Result<ProjectContents> {
        self.read(move |c| {
            // One read transaction, so the four lists agree with each other.
            c.execute_batch("BEGIN").map_err(db_error("starting a read"))?;
            let contents = (|| {
                Ok(ProjectContents {
                    stories: docs(c, "SELECT doc FROM stories WHERE project_id = ?1 ORDER BY id", project.0)?,
                    tests: docs(c, "SELECT doc FROM acceptance_tests WHERE project_id = ?1 ORDER BY id", project.0)?,
                    tasks: docs(c, "SELECT doc FROM tasks WHERE project_id = ?1 ORDER BY id", project.0)?,
                    links: docs(
                        c,
                        "SELECT doc FROM story_dependencies WHERE project_id = ?1 ORDER BY story_id, depends_on_story_id",
                        project.0,
                    )?,
                    pull_requests: docs(
                        c,
                        "SELECT doc FROM pull_requests WHERE project_id = ?1 ORDER BY story_id, number",
                        project.0,
                    )?,
                    runs: docs(c, "SELECT doc FROM code_runs WHERE project_id = ?1 ORDER BY run_id", project.0)?,
                })
            })();
            c.execute_batch("COMMIT").map_err(db_error("ending a read"))?;
            contents
        })
        .await
    }

    async fn project_stories(&self, project: ProjectId) -> Result<Vec<Story>> {
        self.read(move |c| {
            docs(
                c,
                "SELECT doc FROM stories WHERE project_id = ?1 ORDER BY id",
                project.0,
            )
        })
        .await
    }

    async fn get_test(&self, id: TestId) -> Result<Option<AcceptanceTest>> {
        self.read(move |c| one_doc(c, "SELECT doc FROM acceptance_tests WHERE id = ?1", id.0))
            .await
    }

    async fn get_run(&self, id: RunId) -> Result<Option<CodeRun>> {
        self.read(move |c| one_doc(c, "SELECT doc FROM code_runs WHERE run_id = ?1", id.0))
            .await
    }

    async fn append_log(&self, run: RunId, seq: u64, chunk: String) -> Result<()> {
        self.write(move |c| {
            c.execute(
                "INSERT OR REPLACE INTO run_logs (run_id, seq, chunk) VALUES (?1, ?2, ?3)",
                params![run.0, seq, chunk],
            )
            .map(|_| ())
            .map_err(db_error("appending to a run log"))
        })
        .await
    }

    async fn read_log(&self, run: RunId) -> Result<String> {
        self.read(move |c| {
            let mut stmt = c
                .prepare_cached("SELECT chunk FROM run_logs WHERE run_id = ?1 ORDER BY seq")
                .map_err(db_error("preparing a query"))?;
            let rows = stmt
                .query_map([run.0], |r| r.get::<_, String>(0))
                .map_err(db_error("querying"))?;
            let mut log = String::new();
            for row in rows {
                log.push_str(&row.map_err(db_error("reading a row"))?);
            }
            Ok(log)
        })
        .await
    }

    async fn record_worker(&self, beat: WorkerBeat) -> Result<()> {
        let doc = to_doc(&beat)?;
        self.write(move |c| {
            c.execute(
                "INSERT OR REPLACE INTO workers (id, doc) VALUES (?1, ?2)",
                params![beat.id, doc],
            )
            .map(|_| ())
            .map_err(db_error("recording a worker"))
        })
        .await
    }

    async fn workers(&self) -> Result<Vec<WorkerBeat>> {
        self.read(|c| docs(c, "SELECT doc FROM workers WHERE ?1 = ?1 ORDER BY id", 0))
            .await
    }

    async fn get_task(&self, id: TaskId) -> Result<Option<Task>> {
        self.read(move |c| one_doc(c, "SELECT doc FROM tasks WHERE id = ?1", id.0))
            .await
    }

    async fn commit(&self, writes: Vec<Write>) -> Result<()> {
        self.write(move |c| apply_all(c, &writes)).await
    }

    async fn commit_steps(&self, steps: Vec<Vec<Write>>) -> Result<()> {
        self.write(move |c| apply_all(c, steps.iter().flatten()))
            .await
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .finish()
    }
}
