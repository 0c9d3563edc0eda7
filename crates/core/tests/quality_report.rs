//! The deterministic checks measured on the hand-labeled sets in tests/quality
//! (see its README): four development sets, which the rules are tuned on (the
//! first one in tests/quality, and tests/quality/held-out, held-out-2 and
//! held-out-3, the first three held-out sets, which became development data
//! once their misses had been read), and the held-out set in
//! tests/quality/held-out-4, which they are only scored on.
//! Run with:
//!
//!     cargo nextest run -p aipm-core --test quality_report --no-capture
//!
//! `the_development_sets_keep_their_floors` fails when a criterion's precision
//! or recall on a development set drops below the floor recorded here.
//! `the_held_out_set_is_scored` prints precision, recall and F1 on the held-out
//! set and fails only when the set itself is malformed: a floor there would
//! invite tuning the rules against it (tests/quality/README.md).

use aipm_core::quality::criteria::CRITERIA;
use aipm_core::quality::{analyze_story, check_then_step, StoryText};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

/// Development-set floors (precision, recall), just under what the checks
/// measured when last changed: losing one more labeled story fails the test.
/// Raise a floor when a check improves.
const DEV_FLOORS: &[(&str, f64, f64)] = &[
    ("well-formed", 0.99, 0.99),
    ("independent", 0.99, 0.99),
    ("negotiable", 0.99, 0.99),
    ("valuable", 0.99, 0.99),
    ("estimable", 0.99, 0.99),
    ("small", 0.99, 0.99),
    ("testable", 0.99, 0.99),
    ("atomic", 0.99, 0.99),
    ("minimal", 0.99, 0.99),
    ("unique", 0.89, 0.94),
    ("measurable", 0.98, 0.99),
];

/// Floors for the first held-out set (tests/quality/held-out), development
/// data since its misses were read and the rules changed for them.
const FORMER_HELD_OUT_FLOORS: &[(&str, f64, f64)] = &[
    ("well-formed", 0.99, 0.99),
    ("independent", 0.99, 0.99),
    ("negotiable", 0.99, 0.99),
    ("valuable", 0.96, 0.99),
    ("estimable", 0.99, 0.99),
    ("small", 0.99, 0.99),
    ("testable", 0.99, 0.99),
    ("atomic", 0.90, 0.94),
    ("minimal", 0.99, 0.99),
    ("unique", 0.99, 0.99),
    ("measurable", 0.99, 0.99),
];

/// Floors for the second held-out set (tests/quality/held-out-2), development
/// data since its misses were read and the rules changed for them.
const SECOND_HELD_OUT_FLOORS: &[(&str, f64, f64)] = &[
    ("well-formed", 0.99, 0.99),
    ("independent", 0.99, 0.99),
    ("negotiable", 0.99, 0.99),
    ("valuable", 0.96, 0.96),
    ("estimable", 0.99, 0.99),
    ("small", 0.90, 0.99),
    ("testable", 0.99, 0.99),
    ("atomic", 0.99, 0.99),
    ("minimal", 0.99, 0.99),
    ("unique", 0.88, 0.99),
    ("measurable", 0.99, 0.96),
];

/// Floors for the third held-out set (tests/quality/held-out-3), development
/// data since its misses were read and the rules changed for them.
const THIRD_HELD_OUT_FLOORS: &[(&str, f64, f64)] = &[
    ("well-formed", 0.99, 0.99),
    ("independent", 0.99, 0.99),
    ("negotiable", 0.99, 0.99),
    ("valuable", 0.95, 0.92),
    ("estimable", 0.96, 0.96),
    ("small", 0.99, 0.99),
    ("testable", 0.99, 0.99),
    ("atomic", 0.96, 0.99),
    ("minimal", 0.99, 0.96),
    ("unique", 0.81, 0.99),
    ("measurable", 0.99, 0.99),
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LabeledStory {
    id: String,
    title: String,
    as_a: String,
    i_want: String,
    so_that: String,
    description: String,
    story_point: Option<u32>,
    expected: Vec<String>,
    duplicate_of: Option<String>,
}

#[derive(Deserialize)]
struct LabeledStep {
    id: String,
    then: String,
    /// The set labels whether a step names an observable outcome; the check
    /// warns when it does not, so a warning is a positive for "not measurable".
    measurable: bool,
}

#[derive(Default)]
struct Score {
    tp: usize,
    fp: Vec<String>,
    fn_: Vec<String>,
}

impl Score {
    fn add(&mut self, id: &str, expected: bool, predicted: bool) {
        match (expected, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp.push(id.to_string()),
            (true, false) => self.fn_.push(id.to_string()),
            (false, false) => {}
        }
    }
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp.len())
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_.len())
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

fn labeled<T: serde::de::DeserializeOwned>(file: &str) -> T {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/quality")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn number(id: &str) -> u64 {
    id.trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .expect("ids are S001…, H001…")
}

/// The set's own consistency: ids unique, known criteria, duplicates point
/// back, epics by points carry `small`.
fn validate(stories: &[LabeledStory], steps: &[LabeledStep]) {
    let mut seen = HashSet::new();
    for s in stories {
        assert!(seen.insert(s.id.as_str()), "{}: id repeated", s.id);
        for e in &s.expected {
            assert!(CRITERIA.contains(&e.as_str()), "{}: unknown {e}", s.id);
        }
        let unique = s.expected.iter().any(|e| e == "unique");
        match &s.duplicate_of {
            Some(d) => assert!(unique && seen.contains(d.as_str()), "{}: duplicateOf", s.id),
            None => assert!(!unique, "{}: unique without duplicateOf", s.id),
        }
        if s.story_point.unwrap_or(0) > aipm_core::quality::EPIC_POINTS {
            assert!(s.expected.iter().any(|e| e == "small"), "{}: points", s.id);
        }
    }
    let mut seen = HashSet::new();
    for s in steps {
        assert!(seen.insert(s.id.as_str()), "{}: id repeated", s.id);
    }
}

/// Every check over one set, per criterion; each story is compared for
/// `unique` with the stories before it, as when it was created (the sets
/// label the later copy of a pair).
fn score(stories: &[LabeledStory], steps: &[LabeledStep]) -> BTreeMap<&'static str, Score> {
    validate(stories, steps);
    let texts: Vec<StoryText> = stories
        .iter()
        .map(|s| StoryText {
            id: Some(number(&s.id)),
            title: &s.title,
            as_a: &s.as_a,
            i_want: &s.i_want,
            so_that: &s.so_that,
            description: &s.description,
            story_point: s.story_point,
        })
        .collect();
    let mut scores: BTreeMap<&str, Score> = BTreeMap::new();
    for (i, story) in stories.iter().enumerate() {
        let found = analyze_story(&texts[i], &texts[..i]);
        for criterion in CRITERIA {
            let predicted = found.iter().any(|w| w.criterion == *criterion);
            let expected = story.expected.iter().any(|e| e == criterion);
            scores
                .entry(criterion)
                .or_default()
                .add(&story.id, expected, predicted);
        }
    }
    for step in steps {
        let warned = check_then_step(&step.then).is_some();
        scores
            .entry("measurable")
            .or_default()
            .add(&step.id, !step.measurable, warned);
    }
    scores
}

fn order() -> impl Iterator<Item = &'static str> + Clone {
    CRITERIA.iter().copied().chain(["measurable"])
}

fn print(title: &str, scores: &BTreeMap<&str, Score>, misses: bool) {
    println!("\n{title}");
    println!(
        "{:<12} {:>9} {:>7} {:>5} {:>4} {:>4} {:>4}",
        "criterion", "precision", "recall", "F1", "TP", "FP", "FN"
    );
    for criterion in order() {
        let s = &scores[criterion];
        println!(
            "{criterion:<12} {:>9.2} {:>7.2} {:>5.2} {:>4} {:>4} {:>4}",
            s.precision(),
            s.recall(),
            s.f1(),
            s.tp,
            s.fp.len(),
            s.fn_.len()
        );
    }
    let (tp, fp, fn_) = CRITERIA.iter().fold((0, 0, 0), |(tp, fp, fn_), c| {
        let s = &scores[c];
        (tp + s.tp, fp + s.fp.len(), fn_ + s.fn_.len())
    });
    let micro = Score {
        tp,
        fp: vec![String::new(); fp],
        fn_: vec![String::new(); fn_],
    };
    println!(
        "{:<12} {:>9.2} {:>7.2} {:>5.2} {:>4} {:>4} {:>4}",
        "INVEST micro",
        micro.precision(),
        micro.recall(),
        micro.f1(),
        tp,
        fp,
        fn_
    );
    println!(
        "(measurable: a positive is a Then step labeled not measurable; the check warns on it)"
    );
    if misses {
        for criterion in order() {
            let s = &scores[criterion];
            if !s.fp.is_empty() || !s.fn_.is_empty() {
                println!(
                    "{criterion}: false positives {:?}, missed {:?}",
                    s.fp, s.fn_
                );
            }
        }
    }
}

fn below_floors(
    scores: &BTreeMap<&str, Score>,
    floors: &[(&str, f64, f64)],
    set: &str,
) -> Vec<String> {
    let mut failures = Vec::new();
    for criterion in order() {
        let s = &scores[criterion];
        let &(_, min_precision, min_recall) = floors
            .iter()
            .find(|(c, _, _)| *c == criterion)
            .expect("a floor per criterion");
        if s.precision() < min_precision {
            failures.push(format!(
                "{set} {criterion}: precision {:.2} < {min_precision}",
                s.precision()
            ));
        }
        if s.recall() < min_recall {
            failures.push(format!(
                "{set} {criterion}: recall {:.2} < {min_recall}",
                s.recall()
            ));
        }
    }
    failures
}

#[test]
fn the_development_sets_keep_their_floors() {
    let stories: Vec<LabeledStory> = labeled("stories.json");
    let steps: Vec<LabeledStep> = labeled("then-steps.json");
    let scores = score(&stories, &steps);
    print("Development set (tests/quality)", &scores, true);
    let mut failures = below_floors(&scores, DEV_FLOORS, "tests/quality");

    let stories: Vec<LabeledStory> = labeled("held-out/stories.json");
    let steps: Vec<LabeledStep> = labeled("held-out/then-steps.json");
    let scores = score(&stories, &steps);
    print(
        "Second development set (tests/quality/held-out, the former held-out set)",
        &scores,
        true,
    );
    failures.extend(below_floors(
        &scores,
        FORMER_HELD_OUT_FLOORS,
        "tests/quality/held-out",
    ));

    let stories: Vec<LabeledStory> = labeled("held-out-2/stories.json");
    let steps: Vec<LabeledStep> = labeled("held-out-2/then-steps.json");
    let scores = score(&stories, &steps);
    print(
        "Third development set (tests/quality/held-out-2, the second held-out set)",
        &scores,
        true,
    );
    failures.extend(below_floors(
        &scores,
        SECOND_HELD_OUT_FLOORS,
        "tests/quality/held-out-2",
    ));

    let stories: Vec<LabeledStory> = labeled("held-out-3/stories.json");
    let steps: Vec<LabeledStep> = labeled("held-out-3/then-steps.json");
    let scores = score(&stories, &steps);
    print(
        "Fourth development set (tests/quality/held-out-3, the third held-out set)",
        &scores,
        true,
    );
    failures.extend(below_floors(
        &scores,
        THIRD_HELD_OUT_FLOORS,
        "tests/quality/held-out-3",
    ));
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_held_out_set_is_scored() {
    let stories: Vec<LabeledStory> = labeled("held-out-4/stories.json");
    let steps: Vec<LabeledStep> = labeled("held-out-4/then-steps.json");
    let scores = score(&stories, &steps);
    // The misses are listed so a reader can judge them; they are not a to-do
    // list for the rules (see tests/quality/README.md).
    print("Held-out set (tests/quality/held-out-4)", &scores, true);
    assert!(stories.len() >= 600 && steps.len() >= 100);
}
