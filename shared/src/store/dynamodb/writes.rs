//! Batches of `Write`s as DynamoDB transactions. One write may touch two items
//! (a link and its back copy; a new test and its pointer).

use super::items::*;
use super::keys::*;
use crate::error::{Error, Result};
use crate::store::{Expect, Write};
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
    Error::internal("building a DynamoDB request", e)
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
        Write::PutTest { test, .. } | Write::DeleteTest { test, .. } => {
            key(story_pk(test.story_id), test_sk(test.id))
        }
        Write::PutTask { task, .. } | Write::DeleteTask { task, .. } => {
            key(story_pk(task.story_id), task_sk(task.id))
        }
        Write::PutLink { link, .. } | Write::DeleteLink { link, .. } => {
            key(story_pk(link.story_id), link_sk(link.depends_on_story_id))
        }
    }
}

/// The transaction items of one write; the first carries its condition.
pub fn items(table: &str, write: &Write) -> Result<Vec<TransactWriteItem>> {
    let expect = Some(write.expectation());
    Ok(match write {
        Write::PutProject { project, .. } => vec![put(table, project_item(project)?, expect)?],
        Write::PutStory { story, .. } => vec![put(table, story_item(story)?, expect)?],
        Write::DeleteStory { .. } => vec![delete(table, primary_key(write), expect)?],
        Write::CheckStory { expect, .. } => vec![check(table, primary_key(write), *expect)?],
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

/// Pack ordered steps into transactions of at most `limit` items, keeping
/// each write's items together and never reordering. A step larger than the
/// limit is split between writes; the caller puts the write that matters
/// most (the story itself, in a delete) last in its step.
pub fn pack(table: &str, steps: Vec<Vec<Write>>, limit: usize) -> Result<Vec<Vec<Write>>> {
    let mut chunks: Vec<Vec<Write>> = Vec::new();
    let mut current: Vec<Write> = Vec::new();
    let mut current_items = 0;
    for step in steps {
        let sizes: Vec<usize> = step
            .iter()
            .map(|w| items(table, w).map(|v| v.len()))
            .collect::<Result<_>>()?;
        let step_items: usize = sizes.iter().sum();
        if current_items + step_items <= limit {
            current.extend(step);
            current_items += step_items;
            continue;
        }
        if !current.is_empty() {
            chunks.push(std::mem::take(&mut current));
            current_items = 0;
        }
        for (write, size) in step.into_iter().zip(sizes) {
            if current_items + size > limit {
                chunks.push(std::mem::take(&mut current));
                current_items = 0;
            }
            current.push(write);
            current_items += size;
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    Ok(chunks)
}
