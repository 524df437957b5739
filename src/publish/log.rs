//! The one way publish prints. Every line, diagnostics and the output asked
//! for alike, passes the redactor first, so the token cannot reach the log
//! whatever a server echoes back. Nothing else in publish prints.

use std::sync::{Arc, Mutex};

/// Replaces every occurrence of the secrets it knows with `***`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        Redactor {
            // Short strings would mask ordinary words; real tokens are long.
            secrets: secrets.into_iter().filter(|s| s.len() >= 4).collect(),
        }
    }

    /// The same redactor, masking `secret` too.
    #[must_use]
    pub fn with(mut self, secret: &str) -> Self {
        if secret.len() >= 4 && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
        }
        self
    }

    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            out = out.replace(s.as_str(), "***");
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Out,
    Err,
}

/// Messages to the log: workflow commands inside Actions, plain otherwise.
#[derive(Debug, Clone, Default)]
pub struct Log {
    actions: bool,
    redactor: Redactor,
    /// Tests read what would have been printed here instead.
    captured: Option<Arc<Mutex<String>>>,
}

impl Log {
    pub fn new(actions: bool, redactor: Redactor) -> Log {
        Log {
            actions,
            redactor,
            captured: None,
        }
    }

    /// A log that keeps what it prints, for tests: both streams, in order.
    #[cfg(test)]
    pub fn capturing(redactor: Redactor) -> (Log, Arc<Mutex<String>>) {
        let buffer = Arc::new(Mutex::new(String::new()));
        let log = Log {
            actions: false,
            redactor,
            captured: Some(buffer.clone()),
        };
        (log, buffer)
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The same log, masking `secret` too.
    #[must_use]
    pub fn masking(mut self, secret: &str) -> Log {
        self.redactor = self.redactor.with(secret);
        self
    }

    /// Something the reader should know: an Actions notice.
    pub fn notice(&self, text: &str) {
        self.command("notice", "", text);
    }

    /// Progress and detail: stderr only.
    pub fn info(&self, text: &str) {
        self.emit(Stream::Err, &format!("berth: {text}\n"));
    }

    /// A failure: an Actions error.
    pub fn error(&self, text: &str) {
        self.command("error", "error: ", text);
    }

    /// The output a run was asked for (annotations, a summary without a
    /// file), as it is, on stdout.
    pub fn output(&self, text: &str) {
        self.emit(Stream::Out, text);
    }

    fn command(&self, name: &str, plain_prefix: &str, text: &str) {
        if self.actions {
            // Escaped after redaction, so an escape cannot split the token.
            let text = self.redactor.apply(text);
            let line = format!(
                "::{name} title=berth publish::{}\n",
                crate::report::github::escape_data(&text)
            );
            self.emit(Stream::Out, &line);
        } else {
            self.emit(Stream::Err, &format!("berth: {plain_prefix}{text}\n"));
        }
    }

    /// The only place publish writes to stdout or stderr.
    fn emit(&self, stream: Stream, text: &str) {
        let text = self.redactor.apply(text);
        match (&self.captured, stream) {
            (Some(buffer), _) => buffer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push_str(&text),
            (None, Stream::Out) => print!("{text}"),
            (None, Stream::Err) => eprint!("{text}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redactor_masks_every_occurrence() {
        let r = Redactor::new(["ghs_secret123".to_owned(), "ab".to_owned()]);
        assert_eq!(r.apply("a ghs_secret123 b ghs_secret123"), "a *** b ***");
        assert_eq!(r.apply("ab"), "ab");
    }

    #[test]
    fn every_kind_of_line_is_redacted() {
        let (log, printed) = Log::capturing(Redactor::new(["ghs_secret123".to_owned()]));
        log.info("info ghs_secret123");
        log.notice("notice ghs_secret123");
        log.error("error ghs_secret123");
        log.output("output ghs_secret123\n");
        let text = printed.lock().map(|t| t.clone()).unwrap_or_default();
        assert_eq!(
            text,
            "berth: info ***\nberth: notice ***\nberth: error: error ***\noutput ***\n"
        );
    }
}
