//! What hangs under a story: acceptance tests, tasks and dependency links.
//! Each write holds the story's lineage as read, so nothing can be attached
//! to a story whose deletion has begun.

use super::{expect_version, Backlog};
use crate::domain::{
    AcceptanceTest, Counter, Dependency, Email, Hours, Relationship, Steps, StoryId, StoryStatus,
    Task, TaskChanges, TaskId, TaskStatus, TestChanges, TestId, TestStatus, Timestamp, Title,
};
use crate::error::{Error, Result, Rule};
use crate::store::{Expect, Write};

#[derive(Debug, Clone, PartialEq)]
pub struct NewTest {
    /// `AT-<storyId>-<n>` when not given.
    pub title: Option<Title>,
    pub given: Steps,
    pub when: Steps,
    pub then: Steps,
    pub status: TestStatus,
}

impl NewTest {
    /// The stored test, as the story's `n`-th.
    pub(super) fn build(
        &self,
        id: u64,
        story: StoryId,
        n: usize,
        now: Timestamp,
    ) -> AcceptanceTest {
        let mut test = AcceptanceTest {
            id: TestId(id),
            story_id: story,
            title: self
                .title
                .clone()
                .unwrap_or_else(|| AcceptanceTest::default_title(story, n)),
            given: self.given.clone(),
            when: self.when.clone(),
            then: self.then.clone(),
            status: self.status,
            evidence: None,
            created_at: now,
            updated_at: now,
            version: 1,
            checks: None,
        };
        test.refresh_checks();
        test
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    pub title: Title,
    pub description: String,
    pub status: TaskStatus,
    pub assignee_email: Email,
    pub estimation_hours: Option<Hours>,
}

impl Backlog {
    pub async fn create_test(
        &self,
        story_id: StoryId,
        new: NewTest,
        accept_warnings: bool,
    ) -> Result<AcceptanceTest> {
        super::quality::check_then_steps(&new.then, accept_warnings)?;
        let id = self.store.take_ids(Counter::Test, 1).await?;
        self.replanned(None, || async {
            let lineage = self.lineage(story_id).await?;
            let record = self
                .store
                .get_story_record(story_id)
                .await?
                .ok_or_else(|| Error::not_found("story", story_id))?;
            if new.status != TestStatus::Pass {
                Self::refuse_under_done(&lineage[0], "a test that is not Pass", "status")?;
            }
            let test = new.build(id, story_id, record.tests.len() + 1, Timestamp::now());
            let mut writes = Self::attach(&lineage);
            writes.push(Write::PutTest {
                project_id: lineage[0].project_id,
                test: test.clone(),
                expect: Expect::Absent,
            });
            self.store
                .commit(writes)
                .await
                .map_err(|e| super::held_item_gone(e, ("acceptance test", id.to_string())))?;
            Ok(test)
        })
        .await
    }

    pub async fn update_test(
        &self,
        id: TestId,
        expected: Option<u64>,
        changes: TestChanges,
        accept_warnings: bool,
    ) -> Result<AcceptanceTest> {
        if let Some(then) = &changes.then {
            super::quality::check_then_steps(then, accept_warnings)?;
        }
        let own = expected.map(|_| ("acceptance test", id.to_string()));
        self.replanned(own, || async {
            let current = self
                .store
                .get_test(id)
                .await?
                .ok_or_else(|| Error::not_found("acceptance test", id))?;
            let version = expect_version("acceptance test", id, current.version, expected)?;
            let mut test = current.clone();
            test.apply(&changes);
            if test == current {
                return Ok(current);
            }
            test.version = version + 1;
            test.updated_at = Timestamp::now();
            let lineage = self.lineage(test.story_id).await?;
            let story = &lineage[0];
            if story.status == StoryStatus::Done
                && current.status == TestStatus::Pass
                && test.status != TestStatus::Pass
            {
                // The story is Done with this test counted as Pass (rule 2).
                return Err(Error::rule(
                    Rule::StoryDone,
                    format!(
                        "story {} is Done with acceptance test {id} passing; move the story \
                         out of Done before changing the test's status",
                        story.id
                    ),
                    serde_json::json!({"storyId": story.id, "testId": id, "field": "status"}),
                ));
            }
            let project_id = story.project_id;
            // Held at the version read: a story that reaches Done meanwhile
            // (counting this test as it was) makes the batch fail and the
            // status change is decided again.
            self.store
                .commit(vec![
                    Write::CheckStory {
                        id: test.story_id,
                        expect: Expect::Version(story.version),
                    },
                    Write::PutTest {
                        project_id,
                        test: test.clone(),
                        expect: Expect::Version(version),
                    },
                ])
                .await?;
            Ok(test)
        })
        .await
    }

    pub async fn delete_test(&self, id: TestId, expected: Option<u64>) -> Result<()> {
        let test = self
            .store
            .get_test(id)
            .await?
            .ok_or_else(|| Error::not_found("acceptance test", id))?;
        let version = expect_version("acceptance test", id, test.version, expected)?;
        let story = self.story(test.story_id).await?;
        self.store
            .commit(vec![Write::DeleteTest {
                project_id: story.project_id,
                test,
                expect: Expect::Version(version),
            }])
            .await
    }

    pub async fn create_task(&self, story_id: StoryId, new: NewTask) -> Result<Task> {
        let id = TaskId(self.store.take_ids(Counter::Task, 1).await?);
        self.replanned(None, || async {
            let lineage = self.lineage(story_id).await?;
            let now = Timestamp::now();
            let task = Task {
                id,
                story_id,
                title: new.title.clone(),
                description: new.description.clone(),
                status: new.status,
                assignee_email: new.assignee_email.clone(),
                estimation_hours: new.estimation_hours,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            let mut writes: Vec<Write> = Self::hold(&lineage).collect();
            writes.push(Write::PutTask {
                project_id: lineage[0].project_id,
                task: task.clone(),
                expect: Expect::Absent,
            });
            self.store
                .commit(writes)
                .await
                .map_err(|e| super::held_item_gone(e, ("task", id.to_string())))?;
            Ok(task)
        })
        .await
    }

    pub async fn update_task(
        &self,
        id: TaskId,
        expected: Option<u64>,
        changes: TaskChanges,
    ) -> Result<Task> {
        let own = expected.map(|_| ("task", id.to_string()));
        self.replanned(own, || async {
            let current = self
                .store
                .get_task(id)
                .await?
                .ok_or_else(|| Error::not_found("task", id))?;
            let version = expect_version("task", id, current.version, expected)?;
            let mut task = current.clone();
            task.apply(&changes);
            if task == current {
                return Ok(current);
            }
            task.version = version + 1;
            task.updated_at = Timestamp::now();
            let story = self.story(task.story_id).await?;
            self.store
                .commit(vec![
                    Write::CheckStory {
                        id: task.story_id,
                        expect: Expect::Exists,
                    },
                    Write::PutTask {
                        project_id: story.project_id,
                        task: task.clone(),
                        expect: Expect::Version(version),
                    },
                ])
                .await?;
            Ok(task)
        })
        .await
    }

    pub async fn delete_task(&self, id: TaskId, expected: Option<u64>) -> Result<()> {
        let task = self
            .store
            .get_task(id)
            .await?
            .ok_or_else(|| Error::not_found("task", id))?;
        let version = expect_version("task", id, task.version, expected)?;
        let story = self.story(task.story_id).await?;
        self.store
            .commit(vec![Write::DeleteTask {
                project_id: story.project_id,
                task,
                expect: Expect::Version(version),
            }])
            .await
    }

    /// Link `story_id` to a story it depends on (or is blocked by). Both must
    /// be in the same project; a story cannot depend on itself (rule 6).
    pub async fn add_dependency(
        &self,
        story_id: StoryId,
        depends_on: StoryId,
        relationship: Relationship,
    ) -> Result<Dependency> {
        if story_id == depends_on {
            return Err(Error::invalid(
                "dependsOnStoryId",
                "a story cannot depend on itself",
            ));
        }
        self.replanned(None, || async {
            let from = self.lineage(story_id).await?;
            let to = self.lineage(depends_on).await.map_err(|e| match e {
                Error::NotFound { .. } => Error::invalid(
                    "dependsOnStoryId",
                    format!("story {depends_on} does not exist"),
                ),
                other => other,
            })?;
            let project_id = from[0].project_id;
            if to[0].project_id != project_id {
                return Err(Error::invalid(
                    "dependsOnStoryId",
                    format!("story {depends_on} belongs to another project"),
                ));
            }
            let link = Dependency {
                story_id,
                depends_on_story_id: depends_on,
                relationship,
                created_at: Timestamp::now(),
            };
            // The two lineages may share ancestors; hold each story once.
            let mut writes: Vec<Write> = Self::hold(&from).collect();
            for check in Self::hold(&to) {
                if !writes.contains(&check) {
                    writes.push(check);
                }
            }
            writes.push(Write::PutLink {
                project_id,
                link: link.clone(),
            });
            self.store
                .commit(writes)
                .await
                .map_err(|e| {
                    super::held_item_gone(e, ("dependency", format!("{story_id}->{depends_on}")))
                })
                .map_err(|e| match e {
                    Error::AlreadyExists { .. } => Error::rule(
                        Rule::DependencyExists,
                        format!("story {story_id} already depends on story {depends_on}"),
                        serde_json::json!({"storyId": story_id, "dependsOnStoryId": depends_on}),
                    ),
                    other => other,
                })?;
            Ok(link)
        })
        .await
    }

    pub async fn remove_dependency(&self, story_id: StoryId, depends_on: StoryId) -> Result<()> {
        let record = self
            .store
            .get_story_record(story_id)
            .await?
            .ok_or_else(|| Error::not_found("story", story_id))?;
        let link = record
            .dependencies
            .into_iter()
            .find(|l| l.depends_on_story_id == depends_on)
            .ok_or_else(|| Error::not_found("dependency", format!("{story_id}->{depends_on}")))?;
        self.store
            .commit(vec![Write::DeleteLink {
                project_id: record.story.project_id,
                link,
            }])
            .await
    }
}
