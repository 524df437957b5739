use super::{Context, Rule, RuleMeta, declare_rule};
use crate::compose::KeyValue;
use crate::diagnostic::{Diagnostic, Label};
use crate::secrets::is_secret_name;
use crate::source::{SourceMap, Span};

declare_rule! {
    /// ## What it does
    /// In a production stack, reports credentials written as literals in a
    /// service's `environment` or `build.args`: a variable whose name says it
    /// holds a secret (`PASSWORD`, `PASSWD`, `PWD`, `SECRET`, `TOKEN`,
    /// `API_KEY`, `PRIVATE_KEY`, `ACCESS_KEY`, `CREDENTIALS`) with a value
    /// written in the file, and connection strings with a password
    /// (`...;Password=...;`, `postgres://user:pass@host/db`). Values coming
    /// from interpolation (`${DB_PASSWORD}`) are not literals, names ending in
    /// `_FILE` point at a secret file, and switches or numbers (`yes`, `30`)
    /// are settings. Values that mix a literal with `${...}` are not checked
    /// yet. The secret is
    /// masked in every output berth writes, code frames included.
    ///
    /// Option `patterns`: more variable-name regular expressions that mark a
    /// secret (`rules: {B208: {options: {patterns: ['^PIN_']}}}`).
    ///
    /// ## Why is this bad?
    /// The compose file is in version control: everyone with read access, every
    /// fork and every CI log has the password, and rotating it means a commit.
    /// Build arguments are worse: they are stored in the image's history.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   sqlserver:
    ///     image: mcr.microsoft.com/mssql/server:2022-CU14-ubuntu-22.04
    ///     environment:
    ///       - SA_PASSWORD=YourStrong@Passw0rd
    /// ```
    ///
    /// ## How to fix
    /// Interpolate the value from the environment or an untracked `.env`
    /// (`SA_PASSWORD=${SA_PASSWORD:?set it}`), or use Compose `secrets:`; for
    /// builds, use build secrets (`RUN --mount=type=secret`), not `args`.
    pub struct CredentialLiteral {
        code: "B208",
        name: "credential-literal",
        level: Warning,
        summary: "A password, token or key is written as a literal in environment or build args.",
        tags: ["security", "secrets"],
        security_severity: "7.5",
        options: ["patterns"],
    }
}

/// Byte range of the password inside a connection string, if it has one.
fn connection_password(value: &str) -> Option<(usize, usize)> {
    let lower = value.to_ascii_lowercase();
    for key in ["password=", "pwd="] {
        if let Some(i) = lower.find(key) {
            let start = i + key.len();
            let end = value[start..].find(';').map_or(value.len(), |e| start + e);
            if end > start {
                return Some((start, end));
            }
        }
    }
    // scheme://user:password@host — the password may itself hold `@`: the
    // host starts after the last `@` of the authority.
    let scheme = lower.find("://")?;
    let rest = &value[scheme + 3..];
    let authority = rest.find(['/', '?', '#']).map_or(rest, |end| &rest[..end]);
    let at = authority.rfind('@')?;
    let colon = rest[..at].find(':')?;
    let start = scheme + 3 + colon + 1;
    let end = scheme + 3 + at;
    (end > start).then_some((start, end))
}

/// Where the written value sits in the source (`KEY=value` entries share one span).
fn value_range(sources: &SourceMap, kv: &KeyValue, value: &Span) -> Option<(usize, usize)> {
    let text = &sources.get(value.file)?.text;
    let written = text.get(value.start..value.end)?;
    if written.contains('$') {
        return None;
    }
    let (mut start, mut end) = (value.start, value.end);
    if kv.key.span == *value {
        start += written.find('=')? + 1;
    }
    let inner = text.get(start..end)?;
    if inner.starts_with(['"', '\'']) && inner.len() >= 2 {
        start += 1;
        end -= 1;
    }
    Some((start, end))
}

impl Rule for CredentialLiteral {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        // Patterns were compiled when berth.yml was read; a bad one never gets here.
        let extra: Vec<regex::Regex> = cx
            .policy
            .option(&Self::META, "patterns")
            .iter()
            .filter_map(|p| regex::Regex::new(p).ok())
            .collect();
        for svc in cx.services() {
            if !svc.stack.is_production() {
                continue;
            }
            let settings = &svc.service.settings;
            let entries = settings
                .environment
                .iter()
                .map(|kv| ("environment", kv))
                .chain(settings.build_args.iter().map(|kv| ("build.args", kv)));
            for (place, kv) in entries {
                let Some(value) = &kv.value else { continue };
                // Switches and numbers (`MYSQL_RANDOM_ROOT_PASSWORD=yes`,
                // `ACCESS_TOKEN_EXPIRE_MINUTES=30`) are settings, not secrets,
                // unless berth.yml's own patterns name the variable.
                let v = value.value.to_ascii_lowercase();
                let setting_like =
                    matches!(v.as_str(), "yes" | "no" | "true" | "false" | "on" | "off")
                        || v.parse::<f64>().is_ok();
                let custom = extra.iter().any(|r| r.is_match(&kv.key.value));
                if v.is_empty() || (setting_like && !custom) {
                    continue;
                }
                let Some((vstart, vend)) = value_range(cx.sources, kv, &value.span) else {
                    continue;
                };
                let named = is_secret_name(&kv.key.value)
                    || extra.iter().any(|r| r.is_match(&kv.key.value));
                let secret = if named {
                    Some((vstart, vend, "holds a secret by its name"))
                } else {
                    let text = cx
                        .sources
                        .get(value.span.file)
                        .map(|f| f.text.as_str())
                        .unwrap_or("");
                    text.get(vstart..vend)
                        .and_then(connection_password)
                        .map(|(s, e)| {
                            (
                                vstart + s,
                                vstart + e,
                                "is a connection string with a password",
                            )
                        })
                };
                let Some((start, end, why)) = secret else {
                    continue;
                };
                let mask = Span::new(value.span.file, start, end);
                let mut d = Diagnostic::new(
                    &Self::META,
                    Label::new(value.span, "literal credential"),
                    format!(
                        "`{}` in `{place}` of service `{}`{} {why}, written as a literal (value masked)",
                        kv.key.value,
                        svc.service.name.value,
                        svc.profile_note()
                    ),
                )
                .with_help("interpolate it (`${NAME:?set it}`) from the environment or an untracked .env, or use Compose secrets; for builds use build secrets")
                .with_key(format!("{}|{place}|{}", svc.service.name.value, kv.key.value))
                .in_stack(svc.stack);
                d.secrets.push(mask);
                out.push(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_connection_strings() {
        assert!(is_secret_name("SA_PASSWORD"));
        assert!(is_secret_name("POSTGRES_PASSWORD"));
        assert!(is_secret_name("GITHUB_TOKEN"));
        assert!(is_secret_name("STRIPE_API_KEY"));
        assert!(!is_secret_name("TOKENIZER_MODEL"));
        assert!(!is_secret_name("PORT"));
        assert!(!is_secret_name("POSTGRES_PASSWORD_FILE"));
        let v = "Server=sqlserver,1433;Database=zoo_db;User Id=sa;Password=YourStrong@Passw0rd;";
        let (s, e) = connection_password(v).unwrap();
        assert_eq!(&v[s..e], "YourStrong@Passw0rd");
        let u = "postgres://app:s3cret@db:5432/app";
        let (s, e) = connection_password(u).unwrap();
        assert_eq!(&u[s..e], "s3cret");
        assert!(connection_password("redis://cache:6379/0").is_none());
        let tricky = "postgres://u:p@ss@h/db";
        let (s, e) = connection_password(tricky).unwrap();
        assert_eq!(&tricky[s..e], "p@ss");
        assert!(connection_password("https://example.com/a@b").is_none());
    }
}
