//! A fresh DynamoDB table per test on the moto server named by
//! `AIPM_TEST_DYNAMODB_ENDPOINT` (bin/test starts one), optionally holding the
//! backlog that the fixtures in tests/events address.

use aipm_aws::dynamodb::{DynamoConfig, DynamoStore};
use aipm_core::backlog::{Backlog, NewStory, NewTask, NewTest};
use aipm_core::domain::{
    Email, Project, Relationship, Steps, StoryContent, StoryId, StoryStatus, TaskStatus,
    TestStatus, Title,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Once};

pub struct Table {
    pub name: String,
    pub endpoint: String,
    pub backlog: Backlog,
}

pub fn dynamodb_endpoint() -> String {
    std::env::var("AIPM_TEST_DYNAMODB_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "AIPM_TEST_DYNAMODB_ENDPOINT is not set: run the suite with bin/test, which starts \
             moto's server, or start one yourself (moto_server -p 5000) and export \
             AIPM_TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:5000"
        )
    })
}

fn unique_name() -> String {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    format!("aipm-fn-{}-{n}-{nanos}", std::process::id())
}

impl Table {
    /// A new table holding only the default project (id 1), as a deployment
    /// starts out.
    pub async fn empty() -> Table {
        static CREDENTIALS: Once = Once::new();
        // Dummy credentials for the emulator, set once before any SDK client.
        CREDENTIALS.call_once(|| {
            std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        });
        let config = DynamoConfig {
            table: unique_name(),
            endpoint_url: Some(dynamodb_endpoint()),
            region: Some("us-east-1".into()),
        };
        let store = DynamoStore::connect(&config)
            .await
            .expect("connect to moto");
        store.create_table().await.expect("create the table");
        let backlog = Backlog::new(Arc::new(store));
        backlog
            .ensure_default_project()
            .await
            .expect("the default project");
        Table {
            name: config.table,
            endpoint: config.endpoint_url.unwrap(),
            backlog,
        }
    }

    /// A new table with the backlog of tests/events/README.md:
    /// stories 1 and 2 at the root, story 3 under story 1, story 1 depending
    /// on story 2, and acceptance test 1 and task 1 on story 1.
    pub async fn seeded() -> Table {
        let table = Table::empty().await;
        let b = &table.backlog;
        let one = b
            .create_story(story("Sign in with a magic link", None), None, true)
            .await
            .unwrap();
        let two = b
            .create_story(story("Send the magic link email", None), None, true)
            .await
            .unwrap();
        let three = b
            .create_story(
                story("Remember the device for 30 days", Some(one.id)),
                None,
                true,
            )
            .await
            .unwrap();
        assert_eq!(
            [one.id, two.id, three.id],
            [StoryId(1), StoryId(2), StoryId(3)],
            "the fixtures address stories 1, 2 and 3"
        );
        b.add_dependency(one.id, two.id, Relationship::Depends)
            .await
            .unwrap();
        let test = b
            .create_test(
                one.id,
                NewTest {
                    title: None,
                    given: steps("a registered user on the sign-in page"),
                    when: steps("they ask for a magic link"),
                    then: steps("an email with a link valid for 15 minutes is sent"),
                    status: TestStatus::Draft,
                },
                true,
            )
            .await
            .unwrap();
        let task = b
            .create_task(
                one.id,
                NewTask {
                    title: Title::parse("Add the magic-link endpoint").unwrap(),
                    description: String::new(),
                    status: TaskStatus::NotStarted,
                    assignee_email: Email::parse("dev@example.com").unwrap(),
                    estimation_hours: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (test.id.0, task.id.0),
            (1, 1),
            "the fixtures address test 1 and task 1"
        );
        table
    }

    /// What a function needs to reach this table.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AIPM_TABLE", self.name.clone()),
            ("AIPM_DYNAMODB_ENDPOINT", self.endpoint.clone()),
            // The web UI's origin, as template.yaml's CorsAllowedOrigins
            // names it (the fixtures are requests from it).
            ("AIPM_CORS_ORIGINS", "https://aipm.example.com".to_string()),
        ]
    }

    /// A fresh pair of job queues (the jobs and their dead letters) on the
    /// same emulator: their URLs.
    pub async fn queues(&self) -> (String, String) {
        static QUEUES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = QUEUES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let sqs = aipm_aws::sqs::SqsQueue::create_queues(
            &format!("aipm-fn-jobs-{}-{n}", std::process::id()),
            Some(self.endpoint.clone()),
            Some("us-east-1".into()),
        )
        .await
        .expect("create the job queues");
        (sqs.queue_url, sqs.dead_letter_queue_url)
    }

    /// The table and a pair of job queues (fresh ones, on the same emulator).
    pub async fn deployed_env(&self) -> Vec<(&'static str, String)> {
        let (queue, dlq) = self.queues().await;
        let mut env = self.env();
        env.push(("AIPM_QUEUE_URL", queue));
        env.push(("AIPM_DLQ_URL", dlq));
        env.push(("AIPM_SQS_ENDPOINT", self.endpoint.clone()));
        env
    }
}

fn story(title: &str, parent: Option<StoryId>) -> NewStory {
    NewStory {
        project_id: Project::DEFAULT_ID,
        parent_id: parent,
        title: Title::parse(title).unwrap(),
        content: StoryContent {
            description: String::new(),
            as_a: "a returning user".into(),
            i_want: format!("to {}", title.to_lowercase()),
            so_that: "I do not need a password".into(),
            components: Vec::new(),
            story_point: Some(2),
        },
        assignee_email: None,
        status: StoryStatus::Draft,
    }
}

fn steps(text: &str) -> Steps {
    Steps::parse(vec![text.to_string()]).unwrap()
}
