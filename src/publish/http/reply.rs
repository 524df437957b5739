//! What came back from GitHub: status, headers and body, with the readers
//! the rest of publish needs (success, JSON, error document, next page).

use http::HeaderMap;
use serde::de::DeserializeOwned;

use crate::publish::error::ErrorBody;

/// A response berth decided not to retry (or the last one it got).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body read as `T`, or `None` when it is not one.
    pub fn parse<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(&self.body).ok()
    }

    /// GitHub's error document; a body that is not one is its `message`.
    pub fn error_body(&self) -> ErrorBody {
        match self.parse::<ErrorBody>() {
            Some(e) if e.message.is_some() => e,
            _ => ErrorBody {
                message: Some(self.body.chars().take(200).collect()),
                ..ErrorBody::default()
            },
        }
    }

    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(super) fn header_secs(&self, name: &str) -> Option<u64> {
        self.header(name).and_then(|v| v.trim().parse().ok())
    }

    /// The `rel="next"` address of a paginated answer.
    pub fn next_link(&self) -> Option<String> {
        let link = self.header("link")?;
        link.split(',').find_map(|part| {
            let (url, params) = part.split_once(';')?;
            params
                .split(';')
                .any(|p| p.trim() == "rel=\"next\"")
                .then(|| url.trim().trim_start_matches('<').trim_end_matches('>'))
                .map(str::to_owned)
        })
    }
}

/// A reply made up for a unit test.
#[cfg(test)]
pub(super) fn reply(status: u16, headers: &[(&'static str, &str)], body: &str) -> Reply {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.insert(*k, v.parse().expect("test header"));
    }
    Reply {
        status,
        headers: map,
        body: body.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_are_read_leniently() {
        let e = reply(
            422,
            &[],
            r#"{"message":"Validation Failed","errors":["a",{"message":"b"},{"code":"c"}]}"#,
        )
        .error_body();
        assert_eq!(e.text(), r#"Validation Failed (a; b; {"code":"c"})"#);
        let html = reply(502, &[], "<html>bad gateway</html>").error_body();
        assert_eq!(html.message.as_deref(), Some("<html>bad gateway</html>"));
    }

    #[test]
    fn next_link_is_found() {
        let r = reply(
            200,
            &[(
                "link",
                r#"<https://api.github.com/x?page=3>; rel="last", <https://api.github.com/x?page=2>; rel="next""#,
            )],
            "[]",
        );
        assert_eq!(
            r.next_link().as_deref(),
            Some("https://api.github.com/x?page=2")
        );
        assert_eq!(reply(200, &[], "[]").next_link(), None);
    }
}
