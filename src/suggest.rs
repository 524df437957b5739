//! "Did you mean ...?": the known name closest to a misspelt one, for
//! unknown rules, top-level keys and berth.yml fields.

/// The candidate closest to `given` by edit distance (ignoring case), when
/// it is close enough to be a slip rather than another word.
pub fn nearest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = given.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(&lower, &c.to_ascii_lowercase()), *c))
        .min()
        .filter(|(d, _)| *d <= 3.max(lower.len() / 3))
        .map(|(_, c)| c)
}
