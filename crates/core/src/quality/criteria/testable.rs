//! testable: the story asks for a quality with no measure — "fast",
//! "user-friendly", "intuitive", "seamless", "scales", "works well".
//!
//! Only what must be delivered counts: the title, want and description. The
//! benefit is motivation ("so that onboarding is fast"), not acceptance. A
//! quality stated with a number is measurable ("Scalable … for 10,000
//! concurrent buyers"), and a product name is not a quality ("FastTrack").

use super::finding;
use crate::domain::Warning;
use crate::quality::words::{find_phrase, has_quantity, words, Word};
use crate::quality::StoryText;

pub const CRITERION: &str = "testable";

/// Qualities that cannot be checked until someone says how much.
const VAGUE_QUALITIES: &[&str] = &[
    "fast",
    "faster",
    "quick",
    "quicker",
    "quickly",
    "speedy",
    "snappy",
    "user friendly",
    "intuitive",
    "easy",
    "easier",
    "easily",
    "better",
    "seamless",
    "seamlessly",
    "smooth",
    "smoothly",
    "nice",
    "nicer",
    "effective",
    "efficient",
    "efficiently",
    "high performance",
    "performant",
    "scales",
    "scalable",
    "works well",
    "modern",
    "robust",
    "slick",
    "slicker",
    "streamlined",
    "more reliable",
    "smoother",
    "improved",
    "perform well",
    "performs well",
    "work well",
    "engaging",
    "more engaging",
    "more intuitive",
    "clearer",
    "simpler",
    "friendlier",
    "more usable",
    "polished",
];

/// Nouns that make a quality word part of the name of a service or lane
/// ("fast track security", "a quick quote", "easy pay"), not a quality.
const NAMED_WITH: &[&str] = &["track", "lane", "pass", "quote", "pay", "access"];

pub fn check(story: &StoryText) -> Option<Warning> {
    let names = product_names(&[story.title, story.i_want, story.description]);
    let (field, quality) = [
        ("title", story.title),
        ("want", story.i_want),
        ("description", story.description),
    ]
    .into_iter()
    .filter(|(_, text)| !has_quantity(text))
    .find_map(|(field, text)| vague_quality(text, &names).map(|q| (field, q)))?;
    let quality = quality.replace(' ', "-");
    Some(finding(
        CRITERION,
        format!("\"{quality}\" cannot be tested as written."),
        format!(
            "The {field} asks for \"{quality}\" without a measure, so nobody can say when \
             the story is done or write a Then step for it."
        ),
        format!("Replace \"{quality}\" with {}.", measure_for(&quality)),
    ))
}

/// The earliest vague quality in `text` that is not part of a product name.
fn vague_quality(text: &str, names: &[String]) -> Option<&'static str> {
    let w = words(text);
    (0..w.len()).find_map(|i| {
        VAGUE_QUALITIES.iter().copied().find(|q| {
            find_phrase(&w[i..], q) == Some(0)
                && (q.contains(' ') || !(in_name(&w, i, names) || compound(text, &w, i)))
        })
    })
}

/// Whether the single word at `i` is part of a compound: joined by a hyphen
/// ("easy-read", "fast-track", but not "easy-to-use"), or followed by a noun
/// that makes it a service's name ("fast track", "quick quote").
fn compound(text: &str, w: &[Word], i: usize) -> bool {
    let end = w[i].start + w[i].raw.len();
    let after = &text[end..];
    let before = &text[..w[i].start];
    let hyphened = (after.starts_with('-') && !after[1..].starts_with("to-"))
        || (before.ends_with('-') && !before.ends_with("-to-"));
    hyphened
        || w.get(i + 1)
            .is_some_and(|n| NAMED_WITH.contains(&n.lower.as_str()))
}

/// Two capitalised words not at the start of the text, one a quality word:
/// "a Quick Quote", "an Easy Access account" name a product.
fn product_names(texts: &[&str]) -> Vec<String> {
    let mut names = Vec::new();
    for text in texts {
        let w = words(text);
        for i in 1..w.len().saturating_sub(1) {
            let pair = [&w[i], &w[i + 1]];
            if pair.iter().all(|x| x.is_capitalized())
                && pair
                    .iter()
                    .any(|x| VAGUE_QUALITIES.contains(&x.lower.as_str()))
            {
                names.push(format!("{} {}", w[i].lower, w[i + 1].lower));
            }
        }
    }
    names
}

/// Whether the quality word at `i` is part of a product name: "Quick quote"
/// as a title once the want has named the "Quick Quote".
fn in_name(w: &[Word], i: usize, names: &[String]) -> bool {
    let pair = |a: usize| {
        w.get(a + 1)
            .is_some_and(|b| names.contains(&format!("{} {}", w[a].lower, b.lower)))
    };
    pair(i) || (i > 0 && pair(i - 1))
}

/// What a measurable version of a quality looks like.
fn measure_for(quality: &str) -> &'static str {
    match quality {
        "fast" | "faster" | "quick" | "quicker" | "quickly" | "speedy" | "snappy"
        | "high-performance" | "performant" | "efficient" | "efficiently" => {
            "a time limit, e.g. \"opens in under 2 seconds at p95\""
        }
        "scales" | "scalable" | "robust" => {
            "a load and a limit, e.g. \"serves 10,000 concurrent users with responses under 2 seconds\""
        }
        "smooth" | "smoothly" => "a rate, e.g. \"keeps 60 frames per second while scrolling\"",
        _ => "an observable target, e.g. \"a first-time user completes it in 3 steps or fewer\"",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story<'a>(title: &'a str, i_want: &'a str, so_that: &'a str) -> StoryText<'a> {
        StoryText {
            title,
            as_a: "user",
            i_want,
            so_that,
            ..StoryText::default()
        }
    }

    #[test]
    fn flags_unmeasured_qualities_in_what_must_be_delivered() {
        let cases = [
            ("Database Optimization", "fast database operations", "fast"),
            (
                "Responsive Design",
                "platform that works well on mobile devices",
                "works-well",
            ),
            ("Checkout", "a seamless, user-friendly checkout", "seamless"),
            (
                "Performance",
                "high-performance system that scales",
                "high-performance",
            ),
            (
                "Faster triage screen",
                "the triage screen to be clearer",
                "faster",
            ),
            ("Rota", "a slicker shift rota", "slicker"),
            ("Intake form", "a streamlined intake form", "streamlined"),
            (
                "Scanner app",
                "a more reliable scanner app",
                "more-reliable",
            ),
            ("Map", "the route map to feel smoother", "smoother"),
            (
                "Kiosk",
                "the kiosk to perform well at rush hour",
                "perform-well",
            ),
            ("Lesson pages", "more engaging lesson pages", "engaging"),
            ("Forms", "easy-to-use permit forms", "easy"),
        ];
        for (title, want, quality) in cases {
            let w = check(&story(title, want, "I get my work done"))
                .unwrap_or_else(|| panic!("not flagged: {want}"));
            assert!(w.message.contains(quality), "{want}: {}", w.message);
        }
    }

    #[test]
    fn measured_qualities_benefits_and_brand_names_are_fine() {
        let cases = [
            (
                "Scalable ticket sales for 10,000 buyers",
                "checkout under 2 seconds at p95",
                "we sell",
            ),
            (
                "Feed",
                "the feed to keep 60 frames per second",
                "it does not stutter",
            ),
            (
                "Button",
                "Stop tracking to be a button",
                "I can easily stop tracking",
            ),
            (
                "Dev guide",
                "documentation of setup and test commands",
                "onboarding is fast",
            ),
            (
                "FastTrack delivery",
                "to choose FastTrack next-day delivery",
                "it arrives tomorrow",
            ),
            (
                "QuickPay",
                "to send money with QuickPay",
                "I can split a bill",
            ),
            (
                "Border crossing",
                "to book fast track passport control",
                "I make my connection",
            ),
            (
                "Quick quote for boats",
                "to get a boat insurance quote",
                "I can compare",
            ),
            (
                "Easy-read guides",
                "to download the easy-read guide to my benefits",
                "I understand what I get",
            ),
        ];
        for (title, want, so_that) in cases {
            assert_eq!(
                check(&story(title, want, so_that)),
                None,
                "{title} / {want}"
            );
        }
    }

    #[test]
    fn a_product_named_with_a_quality_word_is_a_name() {
        assert!(check(&story(
            "Smooth Saver",
            "to open a Smooth Saver bond",
            "I earn interest"
        ))
        .is_none());
        assert!(check(&story(
            "Open a bond",
            "a smooth bond opening",
            "I earn interest"
        ))
        .is_some());
    }

    #[test]
    fn the_suggestion_fits_the_quality() {
        let w = check(&story("Builds", "builds to be quicker", "I am productive")).unwrap();
        assert!(w.suggestion.contains("time limit"), "{}", w.suggestion);
    }
}
