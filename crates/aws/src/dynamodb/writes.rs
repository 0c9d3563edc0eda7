//! Batches of `Write`s as DynamoDB transactions. One write may touch two items
//! (a link and its back copy; a new test and its pointer).

use super::items::*;
use super::keys::*;
use aipm_core::error::{Error, Result};
use aipm_core::store::{Expect, Write};
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem};
use std::collections::HashMap;

/// DynamoDB's limit of items in one TransactWriteItems call.
pub const MAX_TRANSACTION_ITEMS: usize = 100;

/// One item of a transaction, with the write it came from.
pub struct Planned {
    pub item: TransactWriteItem,
    pub write: usize,
}

struct Condition {
    expression: &'static str,
    names: HashMap<String, String>,
    values: Option<HashMap<String, AttributeValue>>,
}

fn condition(expect: Expect) -> Condition {
    let mut names = HashMap::from([("#pk".to_string(), PK.to_string())]);
    match expect {
        Expect::Absent => Condition {
            expression: "attribute_not_exists(#pk)",
            names,
            values: None,
        },
        Expect::Exists => Condition {
            expression: "attribute_exists(#pk)",
            names,
            values: None,
        },
        Expect::Version(v) => {
            names.insert("#v".into(), "version".into());
            Condition {
                expression: "attribute_exists(#pk) AND #v = :v",
                names,
                values: Some(HashMap::from([(
                    ":v".to_string(),
                    AttributeValue::N(v.to_string()),
                )])),
            }
        }
    }
}

fn build_error(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::permanent("building a DynamoDB request", e)
}

fn put(table: &str, item: Item, expect: Option<Expect>) -> Result<TransactWriteItem> {
    let mut b = Put::builder().table_name(table).set_item(Some(item));
    if let Some(expect) = expect {
        let c = condition(expect);
        b = b
            .condition_expression(c.expression)
            .set_expression_attribute_names(Some(c.names))
            .set_expression_attribute_values(c.values);
    }
    Ok(TransactWriteItem::builder()
        .put(b.build().map_err(build_error)?)
        .build())
}

fn delete(table: &str, key: Item, expect: Option<Expect>) -> Result<TransactWriteItem> {
    let mut b = Delete::builder().table_name(table).set_key(Some(key));
    if let Some(expect) = expect {
        let c = condition(expect);
        b = b
            .condition_expression(c.expression)
            .set_expression_attribute_names(Some(c.names))
            .set_expression_attribute_values(c.values);
    }
    Ok(TransactWriteItem::builder()
        .delete(b.build().map_err(build_error)?)
        .build())
}

fn check(table: &str, key: Item, expect: Expect) -> Result<TransactWriteItem> {
    let c = condition(expect);
    let b = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key))
        .condition_expression(c.expression)
        .set_expression_attribute_names(Some(c.names))
        .set_expression_attribute_values(c.values);
    Ok(TransactWriteItem::builder()
        .condition_check(b.build().map_err(build_error)?)
        .build())
}

/// The key of the item whose condition a write states.
pub fn primary_key(write: &Write) -> Item {
    match write {
        Write::PutProject { project, .. } => project_key(project),
        Write::PutStory { story, .. } | Write::DeleteStory { story, .. } => {
            key(story_pk(story.id), STORY_SK)
        }
        Write::CheckStory { id, .. } => key(story_pk(*id), STORY_SK),
        Write::CheckTest { story_id, id, .. } => key(story_pk(*story_id), test_sk(*id)),
        Write::PutTest { test, .. } | Write::DeleteTest { test, .. } => {
            key(story_pk(test.story_id), test_sk(test.id))
        }
        Write::PutTask { task, .. } | Write::DeleteTask { task, .. } => {
            key(story_pk(task.story_id), task_sk(task.id))
        }
        Write::PutLink { link, .. } | Write::DeleteLink { link, .. } => {
            key(story_pk(link.story_id), link_sk(link.depends_on_story_id))
        }
        Write::PutRun { run, .. } | Write::DeleteRun { run, .. } => {
            key(story_pk(run.story_id), run_sk(run.run_id))
        }
        Write::PutPullRequest { pr, .. } | Write::DeletePullRequest { pr, .. } => {
            key(story_pk(pr.story_id), pr_sk(pr.number))
        }
        Write::ClaimActiveRun { story_id, .. } | Write::ReleaseActiveRun { story_id, .. } => {
            key(story_pk(*story_id), ACTIVE_RUN_SK)
        }
    }
}

/// The transaction items of one write; the first carries its condition.
pub fn items(table: &str, write: &Write) -> Result<Vec<TransactWriteItem>> {
    let expect = Some(write.expectation());
    Ok(match write {
        Write::PutProject { project, .. } => vec![put(table, project_item(project)?, expect)?],
        // With a parent, the child pointer is written (again) with the story:
        // the store does not know whether it moved. A move leaves the pointer
        // under the old parent, which readers skip (the child names another).
        Write::PutStory { story, .. } => {
            let mut v = vec![put(table, story_item(story)?, expect)?];
            if let Some(parent) = story.parent_id {
                v.push(put(table, child_pointer_item(parent, story.id), None)?);
            }
            v
        }
        Write::DeleteStory { story, .. } => {
            let mut v = vec![delete(table, primary_key(write), expect)?];
            if let Some(parent) = story.parent_id {
                v.push(delete(
                    table,
                    key(story_pk(parent), child_sk(story.id)),
                    None,
                )?);
            }
            v
        }
        Write::CheckStory { expect, .. } | Write::CheckTest { expect, .. } => {
            vec![check(table, primary_key(write), *expect)?]
        }
        Write::PutTest {
            project_id,
            test,
            expect,
        } => {
            let mut v = vec![put(table, test_item(*project_id, test)?, Some(*expect))?];
            if *expect == Expect::Absent {
                v.push(put(
                    table,
                    pointer_item(test_pointer_pk(test.id), test.story_id),
                    None,
                )?);
            }
            v
        }
        Write::DeleteTest { test, .. } => vec![
            delete(table, primary_key(write), expect)?,
            delete(table, key(test_pointer_pk(test.id), POINTER_SK), None)?,
        ],
        Write::PutTask {
            project_id,
            task,
            expect,
        } => {
            let mut v = vec![put(table, task_item(*project_id, task)?, Some(*expect))?];
            if *expect == Expect::Absent {
                v.push(put(
                    table,
                    pointer_item(task_pointer_pk(task.id), task.story_id),
                    None,
                )?);
            }
            v
        }
        Write::DeleteTask { task, .. } => vec![
            delete(table, primary_key(write), expect)?,
            delete(table, key(task_pointer_pk(task.id), POINTER_SK), None)?,
        ],
        Write::PutLink { project_id, link } => vec![
            put(table, link_item(*project_id, link)?, expect)?,
            put(table, back_link_item(link)?, None)?,
        ],
        Write::DeleteLink { link, .. } => vec![
            delete(table, primary_key(write), expect)?,
            delete(
                table,
                key(
                    story_pk(link.depends_on_story_id),
                    back_link_sk(link.story_id),
                ),
                None,
            )?,
        ],
        Write::PutRun { run, expect } => {
            let mut v = vec![put(table, run_item(run)?, Some(*expect))?];
            if *expect == Expect::Absent {
                v.push(put(
                    table,
                    pointer_item(run_pointer_pk(run.run_id), run.story_id),
                    None,
                )?);
            }
            v
        }
        Write::DeleteRun { run, .. } => vec![
            delete(table, primary_key(write), expect)?,
            delete(table, key(run_pointer_pk(run.run_id), POINTER_SK), None)?,
        ],
        Write::PutPullRequest {
            project_id,
            pr,
            expect,
        } => {
            vec![put(
                table,
                pull_request_item(*project_id, pr)?,
                Some(*expect),
            )?]
        }
        Write::DeletePullRequest { .. } => vec![delete(table, primary_key(write), expect)?],
        Write::ClaimActiveRun { story_id, run_id } => {
            vec![put(table, active_run_item(*story_id, *run_id), expect)?]
        }
        Write::ReleaseActiveRun { .. } => vec![delete(table, primary_key(write), expect)?],
    })
}

/// All items of a batch, each tagged with the index of its write.
pub fn plan(table: &str, writes: &[Write]) -> Result<Vec<Planned>> {
    let mut out = Vec::new();
    for (i, w) in writes.iter().enumerate() {
        out.extend(
            items(table, w)?
                .into_iter()
                .map(|item| Planned { item, write: i }),
        );
    }
    Ok(out)
}

/// The keys of the items a write touches.
fn item_keys(write: &Write) -> Vec<(String, String)> {
    let k = |item: Item| (item_key_part(&item, PK), item_key_part(&item, SK));
    let mut keys = vec![k(primary_key(write))];
    match write {
        Write::PutTest {
            test,
            expect: Expect::Absent,
            ..
        }
        | Write::DeleteTest { test, .. } => {
            keys.push((test_pointer_pk(test.id), POINTER_SK.into()))
        }
        Write::PutTask {
            task,
            expect: Expect::Absent,
            ..
        }
        | Write::DeleteTask { task, .. } => {
            keys.push((task_pointer_pk(task.id), POINTER_SK.into()))
        }
        Write::PutRun {
            run,
            expect: Expect::Absent,
        }
        | Write::DeleteRun { run, .. } => {
            keys.push((run_pointer_pk(run.run_id), POINTER_SK.into()))
        }
        Write::PutStory { story, .. } | Write::DeleteStory { story, .. } => {
            if let Some(parent) = story.parent_id {
                keys.push((story_pk(parent), child_sk(story.id)));
            }
        }
        Write::PutLink { link, .. } | Write::DeleteLink { link, .. } => keys.push((
            story_pk(link.depends_on_story_id),
            back_link_sk(link.story_id),
        )),
        _ => {}
    }
    keys
}

fn item_key_part(item: &Item, name: &str) -> String {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default()
}

/// Pack ordered steps into transactions of at most `limit` items, keeping
/// each write's items together and never reordering. A transaction never
/// touches one item twice (DynamoDB refuses that), so a step that touches an
/// item already in the chunk starts a new one. A step larger than the limit
/// is split between writes; the caller puts the write that matters most (the
/// story itself, in a delete) last in its step.
pub fn pack(steps: Vec<Vec<Write>>, limit: usize) -> Vec<Vec<Write>> {
    let mut chunks: Vec<Vec<Write>> = Vec::new();
    let mut current: Vec<Write> = Vec::new();
    let mut seen: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
    for step in steps {
        let keys: Vec<Vec<(String, String)>> = step.iter().map(item_keys).collect();
        let step_items: usize = keys.iter().map(Vec::len).sum();
        let collides = keys.iter().flatten().any(|k| seen.contains(k));
        if seen.len() + step_items > limit || collides {
            if !current.is_empty() {
                chunks.push(std::mem::take(&mut current));
            }
            seen.clear();
        }
        for (write, write_keys) in step.into_iter().zip(keys) {
            if seen.len() + write_keys.len() > limit || write_keys.iter().any(|k| seen.contains(k))
            {
                chunks.push(std::mem::take(&mut current));
                seen.clear();
            }
            seen.extend(write_keys);
            current.push(write);
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use aipm_core::domain::*;

    fn story(id: u64) -> Story {
        let now = Timestamp::from_millis(0).unwrap();
        Story {
            id: StoryId(id),
            project_id: ProjectId(1),
            parent_id: None,
            title: Title::parse("s").unwrap(),
            description: String::new(),
            as_a: String::new(),
            i_want: String::new(),
            so_that: String::new(),
            components: vec![],
            story_point: None,
            assignee_email: None,
            status: StoryStatus::Draft,
            created_at: now,
            updated_at: now,
            version: 1,
            invest_analysis: InvestAnalysis::default(),
            deleting: false,
            import_id: None,
        }
    }

    fn put(id: u64) -> Write {
        Write::PutStory {
            story: story(id),
            expect: Expect::Absent,
        }
    }

    #[test]
    fn steps_fill_transactions_up_to_the_limit_in_order() {
        let steps: Vec<Vec<Write>> = (1..=250).map(|i| vec![put(i)]).collect();
        let chunks = pack(steps, 100);
        assert_eq!(
            chunks.iter().map(Vec::len).collect::<Vec<_>>(),
            [100, 100, 50]
        );
        assert_eq!(chunks[1][0], put(101));
    }

    #[test]
    fn a_large_step_is_split_between_writes_and_keeps_its_order() {
        let step: Vec<Write> = (1..=150).map(put).collect();
        let chunks = pack(vec![vec![put(900)], step], 100);
        assert_eq!(
            chunks.iter().map(Vec::len).collect::<Vec<_>>(),
            [1, 100, 50]
        );
        assert_eq!(*chunks[2].last().unwrap(), put(150));
    }

    #[test]
    fn an_item_is_never_touched_twice_in_one_transaction() {
        let chunks = pack(vec![vec![put(1)], vec![put(2)], vec![put(1)]], 100);
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[1], vec![put(1)]);
    }
}
