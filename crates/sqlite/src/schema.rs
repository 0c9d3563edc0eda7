//! Versioned migrations of the SQLite schema. A migration is applied once,
//! in its own transaction, and recorded in `schema_migrations`; never edit one
//! that has shipped — add the next.
//!
//! Items are stored as JSON documents (`doc`) beside the columns that queries
//! and constraints need; docs/storage.md describes each table.

use rusqlite::{Connection, OptionalExtension};

pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "backlog",
        r#"
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE projects (
    id      INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    doc     TEXT NOT NULL
);
CREATE TABLE stories (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) DEFERRABLE INITIALLY DEFERRED,
    parent_id  INTEGER REFERENCES stories(id) DEFERRABLE INITIALLY DEFERRED,
    version    INTEGER NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX stories_by_project ON stories(project_id, id);
CREATE INDEX stories_by_parent ON stories(parent_id);
CREATE TABLE acceptance_tests (
    id         INTEGER PRIMARY KEY,
    story_id   INTEGER NOT NULL REFERENCES stories(id) DEFERRABLE INITIALLY DEFERRED,
    project_id INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX tests_by_story ON acceptance_tests(story_id);
CREATE INDEX tests_by_project ON acceptance_tests(project_id);
CREATE TABLE tasks (
    id         INTEGER PRIMARY KEY,
    story_id   INTEGER NOT NULL REFERENCES stories(id) DEFERRABLE INITIALLY DEFERRED,
    project_id INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX tasks_by_story ON tasks(story_id);
CREATE INDEX tasks_by_project ON tasks(project_id);
CREATE TABLE story_dependencies (
    story_id            INTEGER NOT NULL REFERENCES stories(id) DEFERRABLE INITIALLY DEFERRED,
    depends_on_story_id INTEGER NOT NULL REFERENCES stories(id) DEFERRABLE INITIALLY DEFERRED,
    project_id          INTEGER NOT NULL,
    doc                 TEXT NOT NULL,
    PRIMARY KEY (story_id, depends_on_story_id)
);
CREATE INDEX dependencies_by_target ON story_dependencies(depends_on_story_id);
CREATE INDEX dependencies_by_project ON story_dependencies(project_id);
"#,
    ),
    (
        2,
        "queue",
        r#"
-- The embedded job queue (shared/src/queue/embedded.rs). Times are Unix
-- milliseconds. A message is visible when visible_at <= now; `receipt` names
-- its current delivery (NULL before the first) and changes on every one.
CREATE TABLE queue_messages (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    body          TEXT NOT NULL,
    visible_at    INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    receipt       TEXT UNIQUE,
    created_at    INTEGER NOT NULL
);
CREATE INDEX queue_messages_by_visibility ON queue_messages(visible_at);
-- Messages a receive found already received MAX_RECEIVES times; `id` is the
-- message's id in queue_messages (AUTOINCREMENT there never reuses one).
CREATE TABLE queue_dead_letters (
    id            INTEGER PRIMARY KEY,
    body          TEXT NOT NULL,
    receive_count INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    dead_at       INTEGER NOT NULL
);
"#,
    ),
    (
        3,
        "code runs",
        r#"
CREATE TABLE code_runs (
    run_id     INTEGER PRIMARY KEY,
    story_id   INTEGER NOT NULL REFERENCES stories(id) DEFERRABLE INITIALLY DEFERRED,
    project_id INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX runs_by_story ON code_runs(story_id);
CREATE INDEX runs_by_project ON code_runs(project_id);
CREATE TABLE run_logs (
    run_id INTEGER NOT NULL REFERENCES code_runs(run_id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    chunk  TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE pull_requests (
    story_id   INTEGER NOT NULL REFERENCES stories(id) DEFERRABLE INITIALLY DEFERRED,
    number     INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    doc        TEXT NOT NULL,
    PRIMARY KEY (story_id, number)
);
CREATE INDEX pull_requests_by_project ON pull_requests(project_id);
CREATE TABLE active_runs (
    story_id INTEGER PRIMARY KEY REFERENCES stories(id) DEFERRABLE INITIALLY DEFERRED,
    run_id   INTEGER NOT NULL
);
CREATE TABLE workers (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
"#,
    ),
];

/// Bring the schema up to the newest migration.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<i64> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         )",
    )?;
    let mut current: i64 = 0;
    for (version, name, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let applied: Option<i64> = tx
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()?;
        if applied.is_none() {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)",
                rusqlite::params![version, name],
            )?;
        }
        tx.commit()?;
        current = *version;
    }
    Ok(current)
}
