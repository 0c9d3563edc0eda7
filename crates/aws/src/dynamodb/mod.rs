//! The AWS store: one DynamoDB table (key design in `keys` and
//! docs/storage.md). No request path scans: a project's contents are one
//! paginated Query on GSI1, a story with everything under it is one Query on
//! its partition, and every multi-item write is a transaction.

mod items;
mod keys;
mod table;
mod writes;

use aipm_core::domain::{
    AcceptanceTest, CodeRun, Counter, Dependency, Project, ProjectId, PullRequest, RunId, Story,
    StoryId, Task, TaskId, TestId, WorkerBeat,
};
use aipm_core::error::{Error, Result};
use aipm_core::store::{ProjectContents, Store, StoryRecord, Write};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, ReturnValue};
use aws_sdk_dynamodb::Client;
use items::*;
use keys::*;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Where the table is. The endpoint is set only for an emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamoConfig {
    pub table: String,
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
}

impl DynamoConfig {
    /// As the Lambda functions and workers get it: `AIPM_TABLE` (required),
    /// `AIPM_DYNAMODB_ENDPOINT` (emulators only) and the SDK's own
    /// `AWS_REGION`.
    pub fn from_env() -> std::result::Result<Self, String> {
        let set = |name: &str| std::env::var(name).ok().filter(|s| !s.is_empty());
        Ok(DynamoConfig {
            table: set("AIPM_TABLE").ok_or("AIPM_TABLE is not set")?,
            endpoint_url: set("AIPM_DYNAMODB_ENDPOINT"),
            region: set("AWS_REGION"),
        })
    }
}

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

fn sdk_error<E, R>(context: &'static str) -> impl Fn(SdkError<E, R>) -> Error
where
    E: std::error::Error + aws_sdk_dynamodb::error::ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |e| {
        let construction = matches!(e, SdkError::ConstructionFailure(_));
        let code = match &e {
            SdkError::ServiceError(service) => {
                aws_sdk_dynamodb::error::ProvideErrorMetadata::code(service.err())
                    .map(str::to_string)
            }
            _ => None,
        };
        crate::sdk_failure(
            context,
            construction,
            code.as_deref(),
            aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string(),
        )
    }
}

impl DynamoStore {
    /// Build the client once (a Lambda does this outside its handler) and
    /// warm its connection, so the first request does not pay the TLS
    /// handshake.
    pub async fn connect(config: &DynamoConfig) -> Result<Self> {
        let store = Self::unwarmed(config).await;
        store.warm().await;
        Ok(store)
    }

    /// The client alone, making no call until the store is used.
    pub async fn unwarmed(config: &DynamoConfig) -> Self {
        let sdk = crate::config_for(config.endpoint_url.as_deref(), config.region.as_deref()).await;
        DynamoStore {
            client: Client::new(&sdk),
            table: config.table.clone(),
        }
    }

    pub fn from_client(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// One GetItem of a key no item has: every function may read the table,
    /// while DescribeTable is a right none of them holds.
    async fn warm(&self) {
        let started = Instant::now();
        let key = HashMap::from([
            (PK.to_string(), AttributeValue::S("#WARM".into())),
            (SK.to_string(), AttributeValue::S("#WARM".into())),
        ]);
        let result = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .send()
            .await;
        tracing::debug!(table = %self.table, ok = result.is_ok(), elapsed_ms = started.elapsed().as_millis() as u64, "warmed the DynamoDB connection");
    }

    async fn get_item(&self, key: Item) -> Result<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error("reading an item"))?;
        Ok(out.item)
    }

    /// An item found through its pointer item (tests, tasks and runs live in
    /// their story's partition; the pointer says which).
    async fn get_via_pointer<T: serde::de::DeserializeOwned>(
        &self,
        pointer_pk: String,
        item_key: impl FnOnce(StoryId) -> Item,
    ) -> Result<Option<T>> {
        let Some(pointer) = self.get_item(key(pointer_pk, POINTER_SK)).await? else {
            return Ok(None);
        };
        let story = pointer_story(&pointer)?;
        self.get_item(item_key(story))
            .await?
            .map(decode)
            .transpose()
    }

    /// Every item of a Query, following pagination.
    async fn query(
        &self,
        index: Option<&str>,
        pk_attr: &str,
        pk: String,
        sk_prefix: Option<(&str, &str)>,
    ) -> Result<Vec<Item>> {
        let mut expr = "#pk = :pk".to_string();
        let mut names = HashMap::from([("#pk".to_string(), pk_attr.to_string())]);
        let mut values = HashMap::from([(":pk".to_string(), s(pk))]);
        if let Some((sk_attr, prefix)) = sk_prefix {
            expr.push_str(" AND begins_with(#sk, :prefix)");
            names.insert("#sk".into(), sk_attr.into());
            values.insert(":prefix".into(), s(prefix));
        }
        // Every page, through the SDK's paginator (it stops on a repeated token).
        self.client
            .query()
            .table_name(&self.table)
            .set_index_name(index.map(String::from))
            .key_condition_expression(&expr)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            // GSIs only offer eventually consistent reads.
            .consistent_read(index.is_none())
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(sdk_error("querying"))
    }

    /// Apply a batch as one transaction. A transaction that collided with
    /// another in flight (`TransactionConflict`) is tried again; a failed
    /// condition is reported as the write's conflict.
    async fn transact(&self, writes: &[Write]) -> Result<()> {
        const ATTEMPTS: u32 = 4;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.transact_once(writes).await? {
                Outcome::Done => return Ok(()),
                Outcome::Collided if attempt < ATTEMPTS => {
                    let pause = aipm_core::retry::backoff(
                        Duration::from_millis(20),
                        attempt,
                        Duration::from_millis(200),
                    );
                    tokio::time::sleep(pause).await;
                }
                Outcome::Collided => {
                    return Err(Error::internal(
                        "writing",
                        "the transaction kept colliding with concurrent ones",
                    ))
                }
            }
        }
    }

    async fn transact_once(&self, writes: &[Write]) -> Result<Outcome> {
        let planned = writes::plan(&self.table, writes)?;
        if planned.len() > writes::MAX_TRANSACTION_ITEMS {
            return Err(Error::internal(
                "writing",
                format!(
                    "a change of {} items exceeds DynamoDB's {}-item transaction limit",
                    planned.len(),
                    writes::MAX_TRANSACTION_ITEMS
                ),
            ));
        }
        let index: Vec<usize> = planned.iter().map(|p| p.write).collect();
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(planned.into_iter().map(|p| p.item).collect()))
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(Outcome::Done),
            Err(e) => e,
        };
        if let SdkError::ServiceError(service) = &err {
            if let TransactWriteItemsError::TransactionCanceledException(cancel) = service.err() {
                let reasons = cancel.cancellation_reasons();
                if let Some(at) = reasons
                    .iter()
                    .position(|r| r.code() == Some("ConditionalCheckFailed"))
                {
                    let write = &writes[index[at]];
                    // Read what is there now, to say which version it is at.
                    let found = self.get_item(writes::primary_key(write)).await?;
                    let found_version = found.as_ref().map(|i| version_of(i).unwrap_or(0));
                    return Err(write.conflict(found_version));
                }
                if reasons
                    .iter()
                    .any(|r| r.code() == Some("TransactionConflict"))
                {
                    return Ok(Outcome::Collided);
                }
            }
        }
        Err(sdk_error("writing a transaction")(err))
    }
}

enum Outcome {
    Done,
    Collided,
}

/// Split the items of a story's partition into the record.
fn record_from(items: Vec<Item>) -> Result<Option<StoryRecord>> {
    let mut story = None;
    let (mut tests, mut tasks, mut dependencies, mut dependents) = (vec![], vec![], vec![], vec![]);
    let (mut pull_requests, mut runs, mut active_run) = (vec![], vec![], None);
    for item in items {
        match kind_of(&sort_key(&item, SK)) {
            Kind::Story => story = Some(decode::<Story>(item)?),
            Kind::Test => tests.push(decode::<AcceptanceTest>(item)?),
            Kind::Task => tasks.push(decode::<Task>(item)?),
            Kind::Link => dependencies.push(decode::<Dependency>(item)?),
            Kind::BackLink => dependents.push(decode::<Dependency>(item)?),
            Kind::Run => runs.push(decode::<CodeRun>(item)?),
            Kind::PullRequest => pull_requests.push(decode::<PullRequest>(item)?),
            Kind::ActiveRun => active_run = version_of(&item).map(RunId),
            Kind::Other => {}
        }
    }
    pull_requests.sort_by_key(|p: &PullRequest| p.number);
    runs.sort_by_key(|r: &CodeRun| r.run_id);
    tests.sort_by_key(|t: &AcceptanceTest| t.id);
    tasks.sort_by_key(|t: &Task| t.id);
    dependencies.sort_by_key(|d: &Dependency| d.depends_on_story_id);
    dependents.sort_by_key(|d: &Dependency| d.story_id);
    Ok(story.map(|story| StoryRecord {
        story,
        tests,
        tasks,
        dependencies,
        dependents,
        pull_requests,
        runs,
        active_run,
    }))
}

#[async_trait]
impl Store for DynamoStore {
    fn kind(&self) -> &'static str {
        "dynamodb"
    }

    async fn ping(&self) -> Result<Duration> {
        let started = Instant::now();
        self.get_item(key(projects_pk(), project_sk(Project::DEFAULT_ID)))
            .await?;
        Ok(started.elapsed())
    }

    async fn take_ids(&self, counter: Counter, count: u64) -> Result<u64> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(counter_pk(counter.name()), "COUNTER")))
            .update_expression("ADD #value :n")
            .expression_attribute_names("#value", "value")
            .expression_attribute_values(":n", AttributeValue::N(count.to_string()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(sdk_error("taking ids"))?;
        let last: u64 = out
            .attributes
            .as_ref()
            .and_then(|a| a.get("value"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| Error::internal("taking ids", "the counter returned no value"))?;
        Ok(last - count + 1)
    }

    async fn get_project(&self, id: ProjectId) -> Result<Option<Project>> {
        self.get_item(key(projects_pk(), project_sk(id)))
            .await?
            .map(decode)
            .transpose()
    }

    async fn list_projects(&self) -> Result<Vec<Project>> {
        let items = self.query(None, PK, projects_pk(), None).await?;
        let mut projects: Vec<Project> = items.into_iter().map(decode).collect::<Result<_>>()?;
        projects.sort_by_key(|p| p.id);
        Ok(projects)
    }

    async fn get_story(&self, id: StoryId) -> Result<Option<Story>> {
        self.get_item(key(story_pk(id), STORY_SK))
            .await?
            .map(decode)
            .transpose()
    }

    async fn get_stories(&self, ids: Vec<StoryId>) -> Result<Vec<Story>> {
        let mut unique = ids;
        unique.sort();
        unique.dedup();
        let mut out = Vec::with_capacity(unique.len());
        for chunk in unique.chunks(100) {
            let mut keys: Vec<Item> = chunk
                .iter()
                .map(|id| key(story_pk(*id), STORY_SK))
                .collect();
            while !keys.is_empty() {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .consistent_read(true)
                    .build()
                    .map_err(|e| Error::permanent("building a DynamoDB request", e))?;
                let page = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(sdk_error("reading stories"))?;
                for item in page
                    .responses
                    .unwrap_or_default()
                    .remove(&self.table)
                    .unwrap_or_default()
                {
                    out.push(decode::<Story>(item)?);
                }
                keys = page
                    .unprocessed_keys
                    .unwrap_or_default()
                    .remove(&self.table)
                    .map(|k| k.keys)
                    .unwrap_or_default();
            }
        }
        out.sort_by_key(|s| s.id);
        Ok(out)
    }

    async fn stories_under(
        &self,
        project: ProjectId,
        parent: Option<StoryId>,
    ) -> Result<Vec<Story>> {
        let Some(parent) = parent else {
            let items = self
                .query(Some(GSI2), GSI2PK, roots_gsi(project), None)
                .await?;
            let mut stories: Vec<Story> = items.into_iter().map(decode).collect::<Result<_>>()?;
            stories.sort_by_key(|s| s.id);
            return Ok(stories);
        };
        // The rules walk the tree through here (the Done gate, the cascade
        // delete), so the children come from the base table, consistently:
        // the pointers in the parent's partition, plus GSI2 for children
        // written before the pointers existed; each child is then read by key
        // and kept only if it still names this parent.
        let pointers = self
            .query(None, PK, story_pk(parent), Some((SK, CHILD_PREFIX)))
            .await?;
        let mut ids = child_ids(&pointers);
        for item in self
            .query(Some(GSI2), GSI2PK, parent_gsi(parent), None)
            .await?
        {
            ids.push(decode::<Story>(item)?.id);
        }
        let mut stories = self.get_stories(ids).await?;
        stories.retain(|s| s.parent_id == Some(parent) && s.project_id == project);
        stories.sort_by_key(|s| s.id);
        Ok(stories)
    }

    async fn get_story_record(&self, id: StoryId) -> Result<Option<StoryRecord>> {
        record_from(self.query(None, PK, story_pk(id), None).await?)
    }

    async fn project_contents(&self, project: ProjectId) -> Result<ProjectContents> {
        let mut contents = ProjectContents::default();
        for item in self
            .query(Some(GSI1), GSI1PK, project_gsi(project), None)
            .await?
        {
            match kind_of(&sort_key(&item, GSI1SK)) {
                Kind::Story => contents.stories.push(decode(item)?),
                Kind::Test => contents.tests.push(decode(item)?),
                Kind::Task => contents.tasks.push(decode(item)?),
                Kind::Link => contents.links.push(decode(item)?),
                Kind::Run => contents.runs.push(decode(item)?),
                Kind::PullRequest => contents.pull_requests.push(decode(item)?),
                Kind::BackLink | Kind::ActiveRun | Kind::Other => {}
            }
        }
        contents.runs.sort_by_key(|r| r.run_id);
        contents
            .pull_requests
            .sort_by_key(|p| (p.story_id, p.number));
        contents.stories.sort_by_key(|s| s.id);
        contents.tests.sort_by_key(|t| t.id);
        contents.tasks.sort_by_key(|t| t.id);
        contents
            .links
            .sort_by_key(|l| (l.story_id, l.depends_on_story_id));
        Ok(contents)
    }

    async fn project_stories(&self, project: ProjectId) -> Result<Vec<Story>> {
        let items = self
            .query(
                Some(GSI1),
                GSI1PK,
                project_gsi(project),
                Some((GSI1SK, "STORY#")),
            )
            .await?;
        let mut stories: Vec<Story> = items.into_iter().map(decode).collect::<Result<_>>()?;
        stories.sort_by_key(|s| s.id);
        Ok(stories)
    }

    async fn get_test(&self, id: TestId) -> Result<Option<AcceptanceTest>> {
        self.get_via_pointer(test_pointer_pk(id), |story| {
            key(story_pk(story), test_sk(id))
        })
        .await
    }

    async fn get_run(&self, id: RunId) -> Result<Option<CodeRun>> {
        self.get_via_pointer(run_pointer_pk(id), |story| key(story_pk(story), run_sk(id)))
            .await
    }

    async fn append_log(&self, run: RunId, seq: u64, chunk: String) -> Result<()> {
        let mut item = key(run_log_pk(run), run_log_sk(seq));
        item.insert("chunk".into(), s(chunk));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(sdk_error("appending to a run log"))?;
        Ok(())
    }

    async fn read_log(&self, run: RunId) -> Result<String> {
        let items = self.query(None, PK, run_log_pk(run), None).await?;
        Ok(items
            .iter()
            .filter_map(|i| i.get("chunk").and_then(|v| v.as_s().ok()))
            .map(String::as_str)
            .collect())
    }

    async fn record_worker(&self, beat: WorkerBeat) -> Result<()> {
        let mut item = encode(&beat)?;
        item.extend(key("WORKERS".into(), format!("WORKER#{}", beat.id)));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(sdk_error("recording a worker"))?;
        Ok(())
    }

    async fn workers(&self) -> Result<Vec<WorkerBeat>> {
        let items = self.query(None, PK, "WORKERS".into(), None).await?;
        items.into_iter().map(decode).collect()
    }

    async fn get_task(&self, id: TaskId) -> Result<Option<Task>> {
        self.get_via_pointer(task_pointer_pk(id), |story| {
            key(story_pk(story), task_sk(id))
        })
        .await
    }

    async fn commit(&self, writes: Vec<Write>) -> Result<()> {
        self.transact(&writes).await
    }

    async fn commit_steps(&self, steps: Vec<Vec<Write>>) -> Result<()> {
        for chunk in writes::pack(steps, writes::MAX_TRANSACTION_ITEMS) {
            self.transact(&chunk).await?;
        }
        Ok(())
    }
}

fn pointer_story(pointer: &Item) -> Result<StoryId> {
    pointer
        .get("storyId")
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .map(StoryId)
        .ok_or_else(|| Error::internal("reading a pointer", "the pointer has no storyId"))
}

impl std::fmt::Debug for DynamoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoStore")
            .field("table", &self.table)
            .finish()
    }
}
