//! negotiable: the want or the description prescribes how to build it —
//! a framework, library or broker; class, hook or table names; exact SQL;
//! ports, paths and pixel positions; an exact environment variable.
//!
//! Technology the user works with is not a prescription (pay with Apple Pay,
//! export to Excel, the DBA's PostgreSQL queries), so product names are only
//! flagged from a list of building blocks, or where the text says the feature
//! is "implemented in", "served by", "stored in" … a named thing.
//!
//! Locking the design is prescribing it too: "must use the exact layout from
//! the spec; the design cannot change". A rule that something of the domain
//! cannot change ("the price cannot change after checkout") is not.

use super::{finding, quote};
use crate::domain::{Component, Warning};
use crate::quality::words::{clauses, find_phrase, words, Word};
use crate::quality::StoryText;

pub const CRITERION: &str = "negotiable";

/// Building blocks a user never asks for by name.
const BUILDING_BLOCKS: &[&str] = &[
    "gpu worker",
    "gpu workers",
    "gpu instance",
    "on a gpu",
    "redis",
    "memcached",
    "kafka",
    "rabbitmq",
    "celery",
    "sidekiq",
    "spark",
    "flink",
    "airflow",
    "parquet",
    "avro",
    "elasticsearch",
    "opensearch",
    "solr",
    "flask",
    "django",
    "fastapi",
    "rails",
    "react",
    "vue",
    "angular",
    "svelte",
    "redux",
    "jquery",
    "graphql",
    "grpc",
    "firebase",
    "xgboost",
    "tensorflow",
    "pytorch",
    "docker",
    "kubernetes",
    "terraform",
    "jenkins",
    "circleci",
    "dynamodb",
    "mongodb",
    "cassandra",
    "nginx",
    "aws",
    "azure",
    "gcp",
    "s3",
    "github actions",
    "spring boot",
];

/// Design vocabulary: how data is kept, not what the user needs.
const DESIGN_TERMS: &[&str] = &[
    "ttl",
    "singleton",
    "primary key",
    "foreign key",
    "blob",
    "keyed by",
    "partitioned by",
];

/// "<participle> <preposition> [article] <Name>": the feature is built on a named thing.
const BUILT_WITH: &[&str] = &[
    "implemented",
    "built",
    "rebuilt",
    "served",
    "sent",
    "stored",
    "ingested",
    "scored",
    "generated",
    "written",
    "hosted",
    "deployed",
    "cached",
    "backed",
    "powered",
    "persisted",
    "processed",
    "rendered",
];
const PREPOSITIONS: &[&str] = &[
    "in", "with", "by", "through", "via", "from", "on", "as", "using",
];

/// Words that follow a name when the name is code.
const CODE_KINDS: &[&str] = &[
    "class",
    "component",
    "hook",
    "singleton",
    "module",
    "function",
    "method",
    "interface",
    "controller",
    "endpoint",
];
const CODE_SUFFIXES: &[&str] = &[
    "Controller",
    "Service",
    "Worker",
    "Handler",
    "Manager",
    "Repository",
    "Factory",
    "Provider",
    "Component",
    "Hook",
    "Adapter",
];

/// Phrases that close the design to discussion, when the clause is about the
/// design ("the layout is fixed", "exactly as in the mockup").
const LOCKS: &[&str] = &[
    "cannot change",
    "can't change",
    "can not change",
    "cannot be changed",
    "must not change",
    "must not be changed",
    "must not deviate",
    "no deviation",
    "no deviations",
    "no changes",
    "not open to change",
    "not open to discussion",
    "not negotiable",
    "non negotiable",
    "is final",
    "are final",
    "is fixed",
    "are fixed",
];
/// Exactness locks the design only when it is an order ("must match the
/// wireframes exactly"); "the exact seating layout" is what a user wants to see.
const EXACT: &[&str] = &["exact", "exactly", "to the letter"];
const ORDERS: &[&str] = &["must", "has to", "have to", "needs to", "need to", "shall"];
/// What a lock is about when it locks the design.
const DESIGN_WORDS: &[&str] = &[
    "design",
    "designs",
    "layout",
    "layouts",
    "ui",
    "mockup",
    "mockups",
    "mock up",
    "wireframe",
    "wireframes",
    "spec",
    "specification",
    "styling",
    "fonts",
    "positions",
    "figma",
    "prototype",
    "implementation",
    "solution",
    "architecture",
];
/// Locks that need no design word beside them.
const ALWAYS_LOCKED: &[&str] = &["pixel perfect"];

const URI_SCHEMES: &[&str] = &["s3://", "gs://", "hdfs://", "kafka://", "redis://", "jdbc:"];

pub fn check(story: &StoryText) -> Option<Warning> {
    let (field, evidence) = [("want", story.i_want), ("description", story.description)]
        .into_iter()
        .find_map(|(field, text)| prescription(text).map(|e| (field, e)))?;
    Some(finding(
        CRITERION,
        "The story prescribes how to build it.",
        format!(
            "The {field} {evidence}. Design fixed in the story leaves the team nothing to \
             negotiate and hides the need behind one solution."
        ),
        "Say what the user needs and any real constraint (a size, a time, a rule), and \
         move the design choice to a task or a technical note.",
    ))
}

/// What in `text` prescribes the design, said as "names …", "gives …".
fn prescription(text: &str) -> Option<String> {
    let w = words(text);
    let lower = text.to_lowercase();
    if let Some(id) = w.iter().find(|w| is_identifier(w)) {
        return Some(format!("names the code identifier \"{}\"", id.raw));
    }
    if let Some(pair) = w
        .windows(2)
        .find(|p| is_pascal_case(&p[0]) && CODE_KINDS.contains(&p[1].lower.as_str()))
    {
        return Some(format!("names the {} \"{}\"", pair[1].lower, pair[0].raw));
    }
    if let Some(call) = method_call(text) {
        return Some(format!("names the method call \"{call}\""));
    }
    if let Some(model) = versioned_model(text) {
        return Some(format!("names the model \"{model}\""));
    }
    if has_sql(&w) {
        return Some(format!("gives exact SQL (\"{}\")", quote(text, 60)));
    }
    if let Some(p) = pixels(text, &w) {
        return Some(format!("fixes sizes or positions in pixels (\"{p}\")"));
    }
    if let Some(pair) = w
        .windows(2)
        .find(|p| p[0].lower == "port" && p[1].has_digit())
    {
        return Some(format!("fixes the port ({})", pair[1].raw));
    }
    if let Some(scheme) = URI_SCHEMES.iter().find(|s| lower.contains(*s)) {
        return Some(format!("fixes a storage path ({scheme}…)"));
    }
    if lower.contains("@v")
        && lower
            .split("@v")
            .skip(1)
            .any(|s| s.starts_with(|c: char| c.is_ascii_digit()))
    {
        return Some("pins a versioned CI action".into());
    }
    if let Some(name) = BUILDING_BLOCKS
        .iter()
        .find(|n| find_phrase(&w, n).is_some())
    {
        return Some(format!("names the technology \"{}\"", original(text, name)));
    }
    if let Some(named) = built_on_a_name(&w) {
        return Some(format!("says it is {named}"));
    }
    if let Some(name) = script_library(text) {
        return Some(format!("names the library \"{name}\""));
    }
    if let Some(pair) = w.windows(2).find(|p| {
        p[0].raw.starts_with(char::is_uppercase)
            && !matches!(
                p[0].lower.as_str(),
                "the" | "a" | "an" | "this" | "our" | "my" | "each"
            )
            && matches!(
                p[1].lower.as_str(),
                "sdk" | "library" | "framework" | "engine" | "toolkit" | "plugin"
            )
    }) {
        return Some(format!(
            "names the library \"{} {}\"",
            pair[0].raw, pair[1].raw
        ));
    }
    if let Some(t) = DESIGN_TERMS.iter().find(|t| find_phrase(&w, t).is_some()) {
        return Some(format!("specifies storage design (\"{t}\")"));
    }
    if let Some(named) = ordered_onto_a_product(text) {
        return Some(named);
    }
    locked_design(text)
}

/// Verbs that open an instruction to the team ("Use …", "Store … in …",
/// "Solve it with …"): the clause says how to build, and a product named in
/// it is the prescribed building block.
const BUILD_ORDERS: &[&str] = &[
    "use",
    "store",
    "read",
    "push",
    "solve",
    "generate",
    "implement",
    "build",
    "write",
    "draw",
    "serve",
    "run",
    "deploy",
    "host",
    "render",
    "train",
    "load",
    "save",
    "keep",
    "put",
    "code",
    "model",
    "index",
    "stream",
    "log",
    "chart",
    "plot",
    "sync",
];

/// "Konva.js", "pandas.py": a script library by its file name.
fn script_library(text: &str) -> Option<&str> {
    text.split_whitespace().find_map(|token| {
        let token = token.trim_matches(|c: char| !c.is_alphanumeric());
        let (name, suffix) = token.rsplit_once('.')?;
        (matches!(suffix, "js" | "py" | "ts")
            && name.len() >= 2
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .then_some(token)
    })
}

/// A word spelled as a product is, not as prose: camel-cased inside
/// ("InfluxDB", "PostGIS", "LaTeX"), letters and digits mixed ("ESP32",
/// "GPT-4"), capitals joined to a name by a hyphen ("OR-Tools").
fn product_token(token: &str) -> bool {
    let token = token.trim_matches(|c: char| !c.is_alphanumeric());
    let letters = token.chars().filter(|c| c.is_ascii_alphabetic()).count();
    let digits = token.chars().filter(|c| c.is_ascii_digit()).count();
    let upper_inside = token.chars().skip(1).any(|c| c.is_ascii_uppercase());
    let lower = token.chars().any(|c| c.is_ascii_lowercase());
    let clean = token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    clean
        && letters >= 2
        && ((upper_inside && lower)
            || (digits > 0 && token.starts_with(|c: char| c.is_ascii_uppercase())))
}

/// A clause that orders the team to build it a certain way ("Read the
/// sensors with an ESP32", "Draw the routes with Leaflet") and names a
/// product in it: a product token anywhere, or a capitalised name right after
/// "with", "through", "via", "using" or "as a" (not "in" or "from", which bring
/// places and languages).
fn ordered_onto_a_product(text: &str) -> Option<String> {
    clauses(text).into_iter().find_map(|clause| {
        let tokens: Vec<&str> = clause.split_whitespace().collect();
        let order = tokens.first()?;
        let verb = order
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        if !BUILD_ORDERS.contains(&verb.as_str()) {
            return None;
        }
        let named = tokens
            .iter()
            .skip(1)
            .copied()
            .find(|t| product_token(t))
            .or_else(|| {
                tokens.windows(3).find_map(|t| {
                    let article = matches!(t[1].to_lowercase().as_str(), "a" | "an" | "the");
                    // Tools come "with", "through", "via" or "using" one; "in" and
                    // "from" bring places and languages ("run the pilot in Leeds").
                    let tool = match t[0].to_lowercase().as_str() {
                        "with" | "through" | "via" | "using" => true,
                        "as" => article,
                        _ => false,
                    };
                    if !tool {
                        return None;
                    }
                    let name = if article { t[2] } else { t[1] };
                    let bare = name.trim_matches(|c: char| !c.is_alphanumeric());
                    let acronym = bare.len() <= 3 && bare.chars().all(|c| c.is_ascii_uppercase());
                    (bare.starts_with(|c: char| c.is_ascii_uppercase()) && !acronym).then_some(bare)
                })
            })?;
        Some(format!(
            "orders the build onto \"{}\" (\"{}\")",
            named.trim_matches(|c: char| !c.is_alphanumeric()),
            quote(clause, 80)
        ))
    })
}

/// A clause that locks the design: a lock and a design word together, e.g.
/// "the design cannot change", quoted with the words that locked it.
fn locked_design(text: &str) -> Option<String> {
    clauses(text).into_iter().find_map(|clause| {
        let w = words(clause);
        let first =
            |list: &[&'static str]| list.iter().find(|p| find_phrase(&w, p).is_some()).copied();
        let ordered_exactness = || first(ORDERS).and(first(EXACT));
        let lock = first(ALWAYS_LOCKED)
            .or_else(|| first(DESIGN_WORDS).and(first(LOCKS).or_else(ordered_exactness)))?;
        Some(format!(
            "locks the design (\"{lock}\" in \"{}\")",
            quote(clause, 80)
        ))
    })
}

/// Code, not prose: `snake_case` or `UPPER_SNAKE` (component catalog names
/// excepted), `camelCase`, or a `PascalCase` name of a class or hook.
fn is_identifier(w: &Word) -> bool {
    let raw = w.raw;
    let snake = raw.contains('_')
        && raw.split('_').all(|part| !part.is_empty())
        && Component::parse_name(raw).is_err();
    let mut chars = raw.chars();
    let camel = chars.by_ref().take(2).all(|c| c.is_ascii_lowercase())
        && chars.any(|c| c.is_ascii_uppercase())
        && raw.chars().all(|c| c.is_ascii_alphanumeric());
    let pascal_code = is_pascal_case(w)
        && CODE_SUFFIXES
            .iter()
            .any(|s| raw.ends_with(s) && raw.len() > s.len());
    snake || camel || pascal_code
}

/// "AuthWizard", "RemindersWorker": two capitals or more inside one word.
fn is_pascal_case(w: &Word) -> bool {
    w.raw.starts_with(|c: char| c.is_ascii_uppercase())
        && w.raw.chars().filter(char::is_ascii_uppercase).count() >= 2
        && w.raw.chars().any(|c| c.is_ascii_lowercase())
        && w.raw.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `PriceEngine.compute()`: a call on a named object.
fn method_call(text: &str) -> Option<&str> {
    text.split_whitespace().find_map(|token| {
        let token = token.trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')');
        let (object, rest) = token.split_once('.')?;
        let method = rest.strip_suffix(')')?.split_once('(')?.0;
        let name = |s: &str| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        (name(object.trim_start_matches(|c: char| !c.is_alphanumeric())) && name(method))
            .then_some(token)
    })
}

/// A named model with a size and version: "Whisper large-v3".
fn versioned_model(text: &str) -> Option<String> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    tokens.windows(2).find_map(|pair| {
        let (name, size) = (
            pair[0],
            pair[1].trim_end_matches(|c: char| !c.is_alphanumeric()),
        );
        let versioned = size.split_once("-v").is_some_and(|(s, v)| {
            !s.is_empty()
                && s.chars().all(|c| c.is_ascii_lowercase())
                && v.starts_with(|c: char| c.is_ascii_digit())
        });
        (name.starts_with(|c: char| c.is_ascii_uppercase()) && versioned)
            .then(|| format!("{name} {size}"))
    })
}

fn has_sql(w: &[Word]) -> bool {
    let at = |kw: &str| w.iter().position(|w| w.raw == kw);
    matches!((at("SELECT"), at("FROM")), (Some(a), Some(b)) if a < b)
        || matches!((at("INSERT"), at("INTO")), (Some(a), Some(b)) if a < b)
        || matches!((at("CREATE"), at("TABLE")), (Some(a), Some(b)) if a < b)
}

fn pixels<'a>(text: &'a str, w: &'a [Word]) -> Option<&'a str> {
    let px = w.iter().find(|w| {
        w.lower
            .strip_suffix("px")
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == 'x'))
    });
    if let Some(px) = px {
        return Some(px.raw);
    }
    if let Some(pair) = w
        .windows(2)
        .find(|p| p[0].has_digit() && matches!(p[1].lower.as_str(), "px" | "pixels"))
    {
        return Some(pair[0].raw);
    }
    // A position: "x=1080, y=24".
    ["x=", "y="].into_iter().find_map(|coord| {
        text.match_indices(coord)
            .find(|(i, _)| text[i + 2..].starts_with(|c: char| c.is_ascii_digit()))
            .map(|(i, _)| &text[i..(i + 6).min(text.len())])
    })
}

/// "served by TensorFlow …", "implemented in the AuthWizard …".
fn built_on_a_name(w: &[Word]) -> Option<String> {
    (0..w.len().saturating_sub(2)).find_map(|i| {
        let (verb, preposition) = (&w[i], &w[i + 1]);
        if !BUILT_WITH.contains(&verb.lower.as_str())
            || !PREPOSITIONS.contains(&preposition.lower.as_str())
        {
            return None;
        }
        let article = matches!(w[i + 2].lower.as_str(), "a" | "an" | "the");
        let name = if article { w.get(i + 3)? } else { &w[i + 2] };
        // A short acronym is a place or a standard ("stored in the EU"), a
        // requirement rather than a design; cloud names are in the list above.
        let acronym = name.raw.len() <= 3 && name.raw.chars().all(|c| c.is_ascii_uppercase());
        (name.raw.starts_with(char::is_uppercase) && !acronym)
            .then(|| format!("{} {} {}", verb.raw, preposition.raw, name.raw))
    })
}

/// `name` as the text spells it ("Redis", not "redis").
fn original(text: &str, name: &str) -> String {
    let lower = text.to_lowercase();
    lower
        .find(name)
        .and_then(|i| text.get(i..i + name.len()))
        .unwrap_or(name)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanting(i_want: &str) -> StoryText<'_> {
        StoryText {
            title: "Story",
            as_a: "user",
            i_want,
            so_that: "I get what I need",
            ..StoryText::default()
        }
    }

    #[test]
    fn flags_prescribed_design() {
        let cases = [
            ("appointment reminders sent by a Celery beat task", "Celery"),
            ("the fare worked out by a FareTable.lookup() call", "FareTable.lookup()"),
            ("captions from Whisper small-v2 on each clip", "Whisper small-v2"),
            ("thumbnails rendered on a GPU worker", "GPU worker"),
            (
                "directory search implemented with an Elasticsearch index",
                "Elasticsearch",
            ),
            (
                "a progress bar built as a React useProgress hook",
                "useProgress",
            ),
            ("a 120x40 px login button at x=1080, y=24", "120x40"),
            (
                "to search orders using SELECT * FROM orders WHERE email LIKE ?",
                "SQL",
            ),
            (
                "each transaction scored by a model served from a Flask endpoint on port 8080",
                "8080",
            ),
            (
                "invoice numbers generated by a Postgres sequence invoice_seq",
                "invoice_seq",
            ),
            (
                "a configuration switch (e.g., AI_PM_DISABLE_OPENAI=1)",
                "AI_PM_DISABLE_OPENAI",
            ),
            (
                "every finance report rebuilt in Looker",
                "rebuilt in Looker",
            ),
            (
                "push notifications sent by a NotificationService singleton",
                "NotificationService",
            ),
            ("Parquet files written to s3://lake/clicks", "s3://"),
            (
                "the pipeline using docker/build-push-action@v5",
                "CI action",
            ),
            (
                "a booking form that must use the exact layout from the spec; the design cannot change",
                "\"exact\" in \"a booking form that must use the exact layout",
            ),
            (
                "the statement to follow the mockup pixel-perfect",
                "\"pixel perfect\"",
            ),
            (
                "a triage form; the UI is fixed and not open to change",
                "(\"not open to change\" in \"the UI is fixed and not open to change\")",
            ),
        ];
        for (want, evidence) in cases {
            let w = check(&wanting(want)).unwrap_or_else(|| panic!("not flagged: {want}"));
            assert!(w.details.contains(evidence), "{want}: {}", w.details);
        }
    }

    #[test]
    fn technology_the_user_works_with_is_not_a_prescription() {
        for want in [
            "to pay with Apple Pay",
            "to export the ledger view to an Excel file",
            "to add my appointment to my Google or Outlook calendar",
            "to see the 20 slowest PostgreSQL queries of the last 24 hours",
            "to build cohorts without writing SQL",
            "to define null and range checks on a dataset's columns",
            "to choose FastTrack next-day delivery at checkout",
            "to pay for parking with my EasyPark account",
            "to tag a story with the Run_Verify component",
            "to move all services to the new container platform",
            "my data stored in the EU",
            // A rule of the domain, or the user's own layout, is not a lock.
            "a delivery fee that cannot change after the order is placed",
            "to see the exact refund amount for a return",
            "to rearrange the tiles on my dashboard layout",
            "a fixed-price menu for the weekend",
            "to see the exact seating layout of the aircraft",
        ] {
            assert_eq!(check(&wanting(want)), None, "{want}");
        }
    }

    #[test]
    fn the_description_is_read_too() {
        let story = StoryText {
            description: "Cache the gradebook in Redis with a 5-minute TTL.",
            ..wanting("the gradebook to open without waiting")
        };
        assert!(check(&story)
            .unwrap()
            .details
            .starts_with("The description names"));
    }

    #[test]
    fn unlisted_products_are_read_from_how_they_are_named_and_ordered() {
        for (description, evidence) in [
            (
                "Chart the readings with Chart.js on the dashboard.",
                "Chart.js",
            ),
            (
                "Log the readings from a Pico2W board into TimescaleDB.",
                "Pico2W",
            ),
            (
                "Render the timetable with Typst on the print server.",
                "Typst",
            ),
            (
                "Solve the rota with the Timefold solver and OptaPlanner.",
                "Timefold",
            ),
            (
                "Run the matching on Claude-3 through LlamaIndex.",
                "Claude-3",
            ),
            ("Keep the parcel boundaries in SpatiaLite.", "SpatiaLite"),
            (
                "The checks come from the Easyrules engine.",
                "Easyrules engine",
            ),
        ] {
            let story = StoryText {
                description,
                ..wanting("to see the readings")
            };
            let w = check(&story).unwrap_or_else(|| panic!("not flagged: {description}"));
            assert!(w.details.contains(evidence), "{description}: {}", w.details);
        }
    }

    #[test]
    fn products_the_user_works_with_stay_clean() {
        for (i_want, description) in [
            (
                "to get a QuickQuote for my van",
                "The QuickQuote form has five questions.",
            ),
            (
                "to join the Fast Track lane",
                "Fast Track passes are sold at the desk.",
            ),
            (
                "to export the rota to Excel",
                "Managers plan in Excel and Outlook.",
            ),
            (
                "to pay with Apple Pay",
                "Most members pay with Apple Pay or PayPal.",
            ),
            (
                "to read the easy-read leaflet",
                "The library engine room tour is on Fridays.",
            ),
            ("to see my iPhone backups", "Store the key somewhere safe."),
            (
                "to book a pilot session",
                "Run the pilot in Leeds; store the forms in Welsh and English.",
            ),
        ] {
            let story = StoryText {
                description,
                ..wanting(i_want)
            };
            assert_eq!(check(&story), None, "{i_want} / {description}");
        }
    }
}
