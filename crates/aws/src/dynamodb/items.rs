//! Domain values to and from DynamoDB items: the entity's own fields (via
//! serde_dynamo) plus the key attributes of `keys`.

use super::keys::*;
use aipm_core::domain::{
    AcceptanceTest, CodeRun, Dependency, Project, ProjectId, PullRequest, Story, Task,
};
use aipm_core::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub fn encode<T: Serialize>(value: &T) -> Result<Item> {
    serde_dynamo::to_item(value).map_err(|e| Error::permanent("encoding a DynamoDB item", e))
}

pub fn decode<T: DeserializeOwned>(item: Item) -> Result<T> {
    serde_dynamo::from_item(item).map_err(|e| Error::permanent("decoding a DynamoDB item", e))
}

fn with_keys(mut item: Item, keys: [(&str, Option<String>); 6]) -> Item {
    for (name, value) in keys {
        if let Some(v) = value {
            item.insert(name.to_string(), s(v));
        }
    }
    item
}

pub fn project_item(p: &Project) -> Result<Item> {
    Ok(with_keys(
        encode(p)?,
        [
            (PK, Some(projects_pk())),
            (SK, Some(project_sk(p.id))),
            (GSI1PK, None),
            (GSI1SK, None),
            (GSI2PK, None),
            (GSI2SK, None),
        ],
    ))
}

pub fn project_key(p: &Project) -> Item {
    key(projects_pk(), project_sk(p.id))
}

pub fn story_item(st: &Story) -> Result<Item> {
    Ok(with_keys(
        encode(st)?,
        [
            (PK, Some(story_pk(st.id))),
            (SK, Some(STORY_SK.into())),
            (GSI1PK, Some(project_gsi(st.project_id))),
            (GSI1SK, Some(format!("STORY#{}", st.id))),
            (
                GSI2PK,
                Some(
                    st.parent_id
                        .map_or_else(|| roots_gsi(st.project_id), parent_gsi),
                ),
            ),
            (GSI2SK, Some(format!("STORY#{}", st.id))),
        ],
    ))
}

pub fn test_item(project: ProjectId, t: &AcceptanceTest) -> Result<Item> {
    Ok(with_keys(
        encode(t)?,
        [
            (PK, Some(story_pk(t.story_id))),
            (SK, Some(test_sk(t.id))),
            (GSI1PK, Some(project_gsi(project))),
            (GSI1SK, Some(test_sk(t.id))),
            (GSI2PK, None),
            (GSI2SK, None),
        ],
    ))
}

pub fn task_item(project: ProjectId, t: &Task) -> Result<Item> {
    Ok(with_keys(
        encode(t)?,
        [
            (PK, Some(story_pk(t.story_id))),
            (SK, Some(task_sk(t.id))),
            (GSI1PK, Some(project_gsi(project))),
            (GSI1SK, Some(task_sk(t.id))),
            (GSI2PK, None),
            (GSI2SK, None),
        ],
    ))
}

pub fn link_item(project: ProjectId, l: &Dependency) -> Result<Item> {
    Ok(with_keys(
        encode(l)?,
        [
            (PK, Some(story_pk(l.story_id))),
            (SK, Some(link_sk(l.depends_on_story_id))),
            (GSI1PK, Some(project_gsi(project))),
            (GSI1SK, Some(link_gsi_sk(l.story_id, l.depends_on_story_id))),
            (GSI2PK, None),
            (GSI2SK, None),
        ],
    ))
}

/// The copy of a link kept in the partition of the story it points at, so
/// that one Query of a story finds its dependents too.
pub fn back_link_item(l: &Dependency) -> Result<Item> {
    Ok(with_keys(
        encode(l)?,
        [
            (PK, Some(story_pk(l.depends_on_story_id))),
            (SK, Some(back_link_sk(l.story_id))),
            (GSI1PK, None),
            (GSI1SK, None),
            (GSI2PK, None),
            (GSI2SK, None),
        ],
    ))
}

/// Where a test or task lives, for lookups by its own id.
pub fn pointer_item(pk: String, story: aipm_core::domain::StoryId) -> Item {
    let mut item = key(pk, POINTER_SK);
    item.insert(
        "storyId".into(),
        aws_sdk_dynamodb::types::AttributeValue::N(story.to_string()),
    );
    item
}

/// `STORY#<parent>` / `CHILD#<child>`, with the child's id.
pub fn child_pointer_item(
    parent: aipm_core::domain::StoryId,
    child: aipm_core::domain::StoryId,
) -> Item {
    let mut item = key(story_pk(parent), child_sk(child));
    item.insert(
        "childId".into(),
        aws_sdk_dynamodb::types::AttributeValue::N(child.to_string()),
    );
    item
}

/// The child ids of the pointers among a partition's items.
pub fn child_ids(items: &[Item]) -> Vec<aipm_core::domain::StoryId> {
    items
        .iter()
        .filter(|i| sort_key(i, SK).starts_with(CHILD_PREFIX))
        .filter_map(|i| i.get("childId")?.as_n().ok()?.parse().ok())
        .map(aipm_core::domain::StoryId)
        .collect()
}

/// The sort key (base table or GSI1) of an item read back.
pub fn sort_key(item: &Item, attribute: &str) -> String {
    item.get(attribute)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default()
}

/// The `version` attribute of an item read back, if it has one.
pub fn version_of(item: &Item) -> Option<u64> {
    item.get("version")
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
}

pub fn run_item(run: &CodeRun) -> Result<Item> {
    Ok(with_keys(
        encode(run)?,
        [
            (PK, Some(story_pk(run.story_id))),
            (SK, Some(run_sk(run.run_id))),
            (GSI1PK, Some(project_gsi(run.project_id))),
            (GSI1SK, Some(run_sk(run.run_id))),
            (GSI2PK, None),
            (GSI2SK, None),
        ],
    ))
}

pub fn pull_request_item(project: ProjectId, pr: &PullRequest) -> Result<Item> {
    Ok(with_keys(
        encode(pr)?,
        [
            (PK, Some(story_pk(pr.story_id))),
            (SK, Some(pr_sk(pr.number))),
            (GSI1PK, Some(project_gsi(project))),
            (GSI1SK, Some(pr_gsi_sk(pr.story_id, pr.number))),
            (GSI2PK, None),
            (GSI2SK, None),
        ],
    ))
}

/// The slot's `version` is the id of the run that holds it, so releasing it
/// can be conditional on that run.
pub fn active_run_item(story: aipm_core::domain::StoryId, run: aipm_core::domain::RunId) -> Item {
    let mut item = key(story_pk(story), ACTIVE_RUN_SK);
    item.insert(
        "version".into(),
        aws_sdk_dynamodb::types::AttributeValue::N(run.to_string()),
    );
    item
}
