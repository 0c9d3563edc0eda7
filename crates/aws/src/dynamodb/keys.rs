//! The key design of the one DynamoDB table (docs/storage.md explains it).
//!
//! | item        | PK              | SK               | GSI1PK (by project) | GSI1SK          | GSI2PK (by parent) |
//! |-------------|-----------------|------------------|---------------------|-----------------|--------------------|
//! | project     | `PROJECTS`      | `PROJECT#<id>`   |                     |                 |                    |
//! | story       | `STORY#<id>`    | `#STORY`         | `PROJECT#<pid>`     | `STORY#<id>`    | `PARENT#<parent>` or `ROOTS#<pid>` |
//! | test        | `STORY#<sid>`   | `TEST#<id>`      | `PROJECT#<pid>`     | `TEST#<id>`     |                    |
//! | task        | `STORY#<sid>`   | `TASK#<id>`      | `PROJECT#<pid>`     | `TASK#<id>`     |                    |
//! | link        | `STORY#<a>`     | `DEP#<b>`        | `PROJECT#<pid>`     | `DEP#<a>#<b>`   |                    |
//! | link (back) | `STORY#<b>`     | `DEPENDENT#<a>`  |                     |                 |                    |
//! | test → story| `TEST#<id>`     | `POINTER`        |                     |                 |                    |
//! | task → story| `TASK#<id>`     | `POINTER`        |                     |                 |                    |
//! | counter     | `COUNTER#<name>`| `COUNTER`        |                     |                 |                    |
//! | code run    | `STORY#<sid>`   | `RUN#<id>`       | `PROJECT#<pid>`     | `RUN#<id>`      |                    |
//! | run → story | `RUN#<id>`      | `POINTER`        |                     |                 |                    |
//! | run log     | `RUNLOG#<id>`   | `LOG#<seq, 10 digits>` |               |                 |                    |
//! | pull request| `STORY#<sid>`   | `PR#<number>`    | `PROJECT#<pid>`     | `PR#<sid>#<n>`  |                    |
//! | active run  | `STORY#<sid>`   | `ACTIVERUN`      |                     |                 |                    |

use aipm_core::domain::{ProjectId, RunId, StoryId, TaskId, TestId};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
pub const GSI2: &str = "GSI2";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";

pub const STORY_SK: &str = "#STORY";
pub const POINTER_SK: &str = "POINTER";

pub type Item = HashMap<String, AttributeValue>;

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([(PK.to_string(), s(pk)), (SK.to_string(), s(sk))])
}

pub fn projects_pk() -> String {
    "PROJECTS".into()
}
pub fn project_sk(id: ProjectId) -> String {
    format!("PROJECT#{id}")
}
pub fn story_pk(id: StoryId) -> String {
    format!("STORY#{id}")
}
pub fn project_gsi(id: ProjectId) -> String {
    format!("PROJECT#{id}")
}
pub fn parent_gsi(id: StoryId) -> String {
    format!("PARENT#{id}")
}
pub fn roots_gsi(project: ProjectId) -> String {
    format!("ROOTS#{project}")
}
/// A child pointer in its parent's partition, so that the children can be
/// read consistently from the base table (GSI2 may lag).
pub fn child_sk(id: StoryId) -> String {
    format!("CHILD#{id}")
}

pub const CHILD_PREFIX: &str = "CHILD#";

pub fn test_sk(id: TestId) -> String {
    format!("TEST#{id}")
}
pub fn task_sk(id: TaskId) -> String {
    format!("TASK#{id}")
}
pub fn link_sk(depends_on: StoryId) -> String {
    format!("DEP#{depends_on}")
}
pub fn back_link_sk(story: StoryId) -> String {
    format!("DEPENDENT#{story}")
}
pub fn link_gsi_sk(story: StoryId, depends_on: StoryId) -> String {
    format!("DEP#{story}#{depends_on}")
}
pub fn test_pointer_pk(id: TestId) -> String {
    format!("TEST#{id}")
}
pub fn task_pointer_pk(id: TaskId) -> String {
    format!("TASK#{id}")
}
pub fn run_sk(id: RunId) -> String {
    format!("RUN#{id}")
}
pub fn run_pointer_pk(id: RunId) -> String {
    format!("RUN#{id}")
}
pub fn run_log_pk(id: RunId) -> String {
    format!("RUNLOG#{id}")
}
pub fn run_log_sk(seq: u64) -> String {
    format!("LOG#{seq:010}")
}
pub fn pr_sk(number: u64) -> String {
    format!("PR#{number}")
}
pub fn pr_gsi_sk(story: StoryId, number: u64) -> String {
    format!("PR#{story}#{number}")
}
pub const ACTIVE_RUN_SK: &str = "ACTIVERUN";

pub fn counter_pk(name: &str) -> String {
    format!("COUNTER#{name}")
}

/// What kind of item a sort key (or GSI1 sort key) names.
#[derive(Debug, PartialEq, Eq)]
pub enum Kind {
    Story,
    Test,
    Task,
    Link,
    BackLink,
    Run,
    PullRequest,
    ActiveRun,
    Other,
}

pub fn kind_of(sort_key: &str) -> Kind {
    if sort_key == STORY_SK || sort_key.starts_with("STORY#") {
        Kind::Story
    } else if sort_key.starts_with("TEST#") {
        Kind::Test
    } else if sort_key.starts_with("TASK#") {
        Kind::Task
    } else if sort_key.starts_with("DEP#") {
        Kind::Link
    } else if sort_key.starts_with("DEPENDENT#") {
        Kind::BackLink
    } else if sort_key.starts_with("RUN#") {
        Kind::Run
    } else if sort_key.starts_with("PR#") {
        Kind::PullRequest
    } else if sort_key == ACTIVE_RUN_SK {
        Kind::ActiveRun
    } else {
        Kind::Other
    }
}
