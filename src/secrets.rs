//! Which names hold credentials: B208 reports literal values under them,
//! and every output masks them (`berth config` prints `***`).

const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIALS",
];

/// Does a variable or key name say it holds a credential?
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    // `POSTGRES_PASSWORD_FILE` names a file (the secrets fix), not a secret.
    if upper.ends_with("_FILE") || upper.ends_with("_PATH") {
        return false;
    }
    upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| SECRET_WORDS.contains(&w))
        || SECRET_WORDS
            .iter()
            .any(|w| w.contains('_') && upper.contains(w))
}
