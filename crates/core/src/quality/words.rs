//! Reading story text as words: the small toolkit every check shares. The
//! checks match whole words and phrases, never substrings, so "FastTrack" is
//! not "fast" and "unblock" is not "blocked".

/// One word of a text, as written and lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word<'a> {
    pub raw: &'a str,
    pub lower: String,
    /// Byte offset in the text it was read from.
    pub start: usize,
}

impl Word<'_> {
    /// Written with an initial capital and lowercase after it ("Redis",
    /// "Shipped"), as names are; not an acronym ("UI") nor a camel-cased
    /// name ("FastTrack").
    pub fn is_capitalized(&self) -> bool {
        let mut chars = self.raw.chars();
        chars.next().is_some_and(char::is_uppercase)
            && chars.clone().next().is_some()
            && chars.all(|c| !c.is_uppercase())
    }

    pub fn has_digit(&self) -> bool {
        self.raw.chars().any(|c| c.is_ascii_digit())
    }
}

/// The words of `text`. Letters, digits, `_` and inner apostrophes make a
/// word; `.` and `,` stay inside numbers ("10,000", "1.4.2", "$42.00").
pub(crate) fn words(text: &str) -> Vec<Word<'_>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let in_word = |i: usize| -> bool {
        let c = chars[i].1;
        if c.is_alphanumeric() || c == '_' {
            return true;
        }
        let between = |test: fn(&char) -> bool| {
            i > 0 && i + 1 < chars.len() && test(&chars[i - 1].1) && test(&chars[i + 1].1)
        };
        match c {
            '\'' | '’' => between(|c| c.is_alphabetic()),
            '.' | ',' => between(|c| c.is_ascii_digit()),
            _ => false,
        }
    };
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..=chars.len() {
        let inside = i < chars.len() && in_word(i);
        match (start, inside) {
            (None, true) => start = Some(chars[i].0),
            (Some(s), false) => {
                let end = chars.get(i).map_or(text.len(), |c| c.0);
                let raw = &text[s..end];
                out.push(Word {
                    raw,
                    lower: raw.to_lowercase().replace('’', "'"),
                    start: s,
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The text from word `from` to word `to` (inclusive), as written.
pub(crate) fn span<'a>(text: &'a str, words: &[Word], from: usize, to: usize) -> &'a str {
    let end = words[to].start + words[to].raw.len();
    &text[words[from].start..end]
}

/// Where `phrase` (words separated by spaces, lowercase) starts in `words`.
pub(crate) fn find_phrase(words: &[Word], phrase: &str) -> Option<usize> {
    let wanted: Vec<&str> = phrase.split_whitespace().collect();
    if wanted.is_empty() || wanted.len() > words.len() {
        return None;
    }
    (0..=words.len() - wanted.len()).find(|&i| {
        wanted
            .iter()
            .zip(&words[i..])
            .all(|(w, word)| word.lower == *w)
    })
}

/// Of `phrases`, the one that occurs earliest in `text` (whole words).
pub(crate) fn first_phrase<'p>(text: &str, phrases: &[&'p str]) -> Option<&'p str> {
    let words = words(text);
    phrases
        .iter()
        .filter_map(|p| find_phrase(&words, p).map(|at| (at, *p)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, p)| p)
}

/// Sentences and clauses: a dependency or an unknown is stated within one.
/// A question mark does not end one: "which coins ???" is part of its clause.
pub(crate) fn clauses(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let ends = match c {
            ';' | '!' | '\n' => true,
            // A full stop, not a decimal point or an "e.g.".
            '.' => {
                bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace())
                    && !after_single_letter(&text[..i])
            }
            _ => false,
        };
        if ends {
            out.push(text[start..i].trim());
            start = i + c.len_utf8();
        }
    }
    out.push(text[start..].trim());
    out.retain(|c| !c.is_empty());
    out
}

/// Does `head` end in a one-letter word ("e.g", "J")? Then a dot after it
/// abbreviates rather than ends a sentence.
fn after_single_letter(head: &str) -> bool {
    let mut back = head.chars().rev();
    back.next().is_some_and(char::is_alphabetic)
        && back.next().is_none_or(|c| c == '.' || c.is_whitespace())
}

/// Text outside brackets and parentheses: the body a reader takes in first.
/// The bracketed asides come back separately; a bracket written against a
/// word ("lower(email)") is code and stays in the body.
pub(crate) fn split_brackets(text: &str) -> (String, Vec<&str>) {
    let mut body = String::new();
    let mut inner = Vec::new();
    let mut depth = 0usize;
    let mut open_at = 0;
    let mut previous = ' ';
    for (i, c) in text.char_indices() {
        // "lower(email)", "items[0]": code, not an aside.
        let attached = previous.is_alphanumeric() && depth == 0;
        previous = c;
        match c {
            '(' | '[' if attached => body.push(c),
            '(' | '[' => {
                if depth == 0 {
                    open_at = i + 1;
                }
                depth += 1;
            }
            ')' | ']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    inner.push(&text[open_at..i]);
                    body.push(' ');
                }
            }
            _ if depth == 0 => body.push(c),
            _ => {}
        }
    }
    if depth > 0 {
        inner.push(&text[open_at..]);
    }
    (body, inner)
}

/// A quantity: a number (digits, or a number word before a noun: "one page",
/// "zero errors") — the thing that turns "fast" into "under 2 seconds".
pub(crate) fn has_quantity(text: &str) -> bool {
    const NUMBER_WORDS: &[&str] = &[
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "twenty", "hundred", "thousand",
    ];
    let words = words(text);
    words.iter().any(Word::has_digit)
        || words.windows(2).any(|pair| {
            NUMBER_WORDS.contains(&pair[0].lower.as_str())
                && pair[1].raw.chars().all(char::is_alphabetic)
                && !STOP_WORDS.contains(&pair[1].lower.as_str())
        })
}

/// Words written in a field in place of its content.
const PLACEHOLDERS: &[&str] = &[
    "tbd",
    "tbc",
    "tba",
    "to be decided",
    "to be confirmed",
    "to be defined",
    "n a",
    "na",
    "none",
    "nothing",
    "null",
    "nil",
    "todo",
    "to do",
    "xxx",
    "xx",
    "x",
    "placeholder",
    "fill in",
    "fill in later",
];

/// What stands in a field instead of its content, if that is all it holds:
/// nothing ("blank"), a placeholder word ("tbd", "n/a", "none"), marks with no
/// word ("-", "?", "..."), or a bracketed prompt left unfilled ("[say why]").
pub(crate) fn placeholder(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return Some("blank".into());
    }
    let prompt = text.starts_with('[') && text.ends_with(']');
    let lower = words(text)
        .iter()
        .map(|w| w.lower.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    (prompt || lower.is_empty() || PLACEHOLDERS.contains(&lower.as_str()))
        .then(|| format!("\"{text}\""))
}

/// Words that carry no subject matter of their own.
pub(crate) const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "i", "me", "my", "we", "our", "us", "you", "your", "it", "its", "they",
    "them", "their", "he", "she", "his", "her", "this", "that", "these", "those", "there", "here",
    "to", "of", "in", "on", "at", "by", "for", "from", "with", "as", "and", "or", "but", "so",
    "is", "am", "are", "was", "were", "be", "been", "being", "can", "could", "will", "would",
    "should", "may", "might", "must", "do", "does", "did", "have", "has", "had", "get", "gets",
    "got", "each", "any", "some", "every", "all", "which", "who", "whom", "what", "when", "where",
    "how", "than", "then", "too", "very", "just", "only", "also", "into", "onto", "about", "over",
    "under", "up", "down", "out", "off", "own", "same", "such", "one",
];

/// A crude stem, enough to see "exported" in "export" and "invoices" in
/// "invoice". Both sides of a comparison are stemmed alike.
pub(crate) fn stem(word: &str) -> String {
    let mut w = word.to_lowercase().replace('’', "'");
    if let Some(s) = w.strip_suffix("'s") {
        w = s.to_string();
    }
    if w.len() > 4 && w.ends_with("ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        w.pop();
    }
    for suffix in ["ing", "ed"] {
        if w.len() >= suffix.len() + 3 && w.ends_with(suffix) {
            w.truncate(w.len() - suffix.len());
            // A consonant doubled before the suffix: "submitted", "planning".
            let b = w.as_bytes();
            if b.len() >= 4
                && b[b.len() - 1] == b[b.len() - 2]
                && b"bgmnprt".contains(&b[b.len() - 1])
            {
                w.pop();
            }
            break;
        }
    }
    if w.len() > 3 && w.ends_with('e') {
        w.pop();
    }
    w
}

/// The stems of the words that carry subject matter, minus `also_ignore`.
pub(crate) fn content_stems(text: &str, also_ignore: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = words(text)
        .iter()
        .filter(|w| !STOP_WORDS.contains(&w.lower.as_str()))
        .filter(|w| !also_ignore.contains(&w.lower.as_str()))
        .map(|w| stem(&w.lower))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Vec<&str> {
        words(text).iter().map(|w| w.raw).collect()
    }

    #[test]
    fn words_keep_numbers_and_contractions_whole() {
        assert_eq!(
            raw("I don't pay $42.00 for 10,000 users."),
            ["I", "don't", "pay", "42.00", "for", "10,000", "users"]
        );
        assert_eq!(raw("user-friendly (SSO)"), ["user", "friendly", "SSO"]);
        assert_eq!(raw("invoice_seq v1.4.2"), ["invoice_seq", "v1.4.2"]);
    }

    #[test]
    fn phrases_match_whole_words_only() {
        let w = words("Unblock my card; it is not blocked by anything");
        assert_eq!(find_phrase(&w, "blocked by"), Some(6));
        assert_eq!(find_phrase(&words("Unblock my card"), "block"), None);
        assert_eq!(first_phrase("FastTrack delivery", &["fast"]), None);
    }

    #[test]
    fn clauses_split_at_full_stops_not_decimals_or_abbreviations() {
        assert_eq!(
            clauses("Costs 4.50 e.g. here. Blocked by X; later"),
            ["Costs 4.50 e.g. here", "Blocked by X", "later"]
        );
    }

    #[test]
    fn brackets_are_set_apart() {
        let (body, inner) = split_brackets("Edit story (title, status) [AC: x]");
        assert_eq!(
            body.split_whitespace().collect::<Vec<_>>(),
            ["Edit", "story"]
        );
        assert_eq!(inner, ["title, status", "AC: x"]);
        let (body, inner) = split_brackets("WHERE lower(email) LIKE ?");
        assert_eq!(body, "WHERE lower(email) LIKE ?");
        assert!(inner.is_empty());
    }

    #[test]
    fn quantities_are_digits_or_counted_nouns() {
        for yes in [
            "under 2 seconds",
            "p95",
            "exactly one reminder",
            "zero errors",
        ] {
            assert!(has_quantity(yes), "{yes}");
        }
        for no in ["fast", "one of the best", "someone"] {
            assert!(!has_quantity(no), "{no}");
        }
    }

    #[test]
    fn placeholders_stand_in_for_missing_content() {
        for text in [
            "",
            "  ",
            "tbd",
            "TBC.",
            "n/a",
            "N/A",
            "none",
            "-",
            "—",
            "?",
            "...",
            "todo",
            "[say why]",
        ] {
            assert!(placeholder(text).is_some(), "{text:?}");
        }
        assert_eq!(placeholder(" ").as_deref(), Some("blank"));
        assert_eq!(placeholder("n/a").as_deref(), Some("\"n/a\""));
        for text in [
            "I can go on holiday",
            "none of my data is shared",
            "the same day",
            "[draft] notes",
        ] {
            assert_eq!(placeholder(text), None, "{text:?}");
        }
    }

    #[test]
    fn stems_meet_across_inflections() {
        for (a, b) in [
            ("exported", "export"),
            ("generated", "generate"),
            ("invoices", "invoice"),
            ("stories", "story"),
            ("boarding", "board"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
    }
}
