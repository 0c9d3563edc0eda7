//! The local PR record: what stands for a pull request in a repository on
//! disk. One JSON file per PR in `<git-dir>/aipm/pulls/<n>.json`, numbered
//! from 1; git never looks there, so the records travel with the repository
//! without being part of its history.

use aipm_core::error::{Error, Result};
use aipm_core::forge::PrState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRecord {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub branch: String,
    pub base: String,
    pub state: PrState,
    pub draft: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The squash commit on the base, once merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_commit: Option<String>,
    #[serde(default)]
    pub comments: Vec<RecordComment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordComment {
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// What a new record starts from; the number is given on creation.
pub struct NewPull<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub branch: &'a str,
    pub base: &'a str,
}

/// The records of one repository.
pub struct PullRecords {
    dir: PathBuf,
}

/// Changes to existing records are read-modify-write; one at a time within
/// the process (the embedded shape is one process). Creation needs no lock.
static UPDATES: Mutex<()> = Mutex::const_new(());

impl PullRecords {
    pub fn new(git_dir: &Path) -> PullRecords {
        PullRecords {
            dir: git_dir.join("aipm").join("pulls"),
        }
    }

    /// Store a new open draft under the next free number. Claiming the
    /// number is creating its file exclusively, so two writers (even in two
    /// processes) never share one.
    pub async fn create(&self, new: NewPull<'_>) -> Result<PullRecord> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| self.io_error("creating", &self.dir, e))?;
        let mut number = self.highest_number().await? + 1;
        let now = Utc::now();
        loop {
            let path = self.path(number);
            let opened = tokio::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .await;
            let mut file = match opened {
                Ok(file) => file,
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    number += 1;
                    continue;
                }
                Err(e) => return Err(self.io_error("creating", &path, e)),
            };
            let record = PullRecord {
                number,
                title: new.title.to_string(),
                body: new.body.to_string(),
                branch: new.branch.to_string(),
                base: new.base.to_string(),
                state: PrState::Open,
                draft: true,
                created_at: now,
                updated_at: now,
                merge_commit: None,
                comments: Vec::new(),
            };
            file.write_all(&to_json(&record)?)
                .await
                .map_err(|e| self.io_error("writing", &path, e))?;
            file.sync_all()
                .await
                .map_err(|e| self.io_error("writing", &path, e))?;
            return Ok(record);
        }
    }

    pub async fn get(&self, number: u64) -> Result<PullRecord> {
        let path = self.path(number);
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(Error::not_found("pull request", number));
            }
            Err(e) => return Err(self.io_error("reading", &path, e)),
        };
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::internal(format!("reading {}", path.display()), e))
    }

    /// Change a record; `change` may refuse, and then nothing is written.
    pub async fn update(
        &self,
        number: u64,
        change: impl FnOnce(&mut PullRecord) -> Result<()>,
    ) -> Result<PullRecord> {
        let _one_at_a_time = UPDATES.lock().await;
        let mut record = self.get(number).await?;
        change(&mut record)?;
        record.updated_at = Utc::now();
        let path = self.path(number);
        // Write aside and rename, so a reader never sees half a record.
        let aside = path.with_extension("json.new");
        tokio::fs::write(&aside, to_json(&record)?)
            .await
            .map_err(|e| self.io_error("writing", &aside, e))?;
        tokio::fs::rename(&aside, &path)
            .await
            .map_err(|e| self.io_error("writing", &path, e))?;
        Ok(record)
    }

    async fn highest_number(&self) -> Result<u64> {
        let mut entries = tokio::fs::read_dir(&self.dir)
            .await
            .map_err(|e| self.io_error("listing", &self.dir, e))?;
        let mut highest = 0;
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|e| self.io_error("listing", &self.dir, e))?
        {
            let name = entry.file_name();
            let number = name
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .and_then(|n| n.parse::<u64>().ok());
            highest = highest.max(number.unwrap_or(0));
        }
        Ok(highest)
    }

    fn path(&self, number: u64) -> PathBuf {
        self.dir.join(format!("{number}.json"))
    }

    fn io_error(&self, doing: &str, path: &Path, e: std::io::Error) -> Error {
        Error::internal(format!("{doing} {}", path.display()), e)
    }
}

fn to_json(record: &PullRecord) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(record).map_err(|e| Error::internal("encoding a PR record", e))
}
