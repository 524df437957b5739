//! Reading a command's arguments: operands, and options with their values.

/// A command's arguments: operands, and options with their values.
pub(super) struct Parsed<'a> {
    pub(super) positional: Vec<&'a str>,
    options: Vec<(&'a str, Option<&'a str>)>,
}

impl Parsed<'_> {
    /// The value of the last of these options.
    pub(super) fn value(&self, names: &[&str]) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(n, v)| names.contains(n) && v.is_some())
            .and_then(|(_, v)| *v)
    }

    pub(super) fn has(&self, names: &[&str]) -> bool {
        self.options.iter().any(|(n, _)| names.contains(n))
    }
}

/// Split arguments into operands and options; the options in `with_value`
/// take a value (`--opt V`, `--opt=V`, `-o V`, `-o=V`, `-oV`).
pub(super) fn parse<'a>(args: &'a [String], with_value: &[&str]) -> Parsed<'a> {
    let mut p = Parsed {
        positional: Vec::new(),
        options: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.as_str();
        if a == "--" {
            p.positional.extend(it.by_ref().map(String::as_str));
            break;
        }
        if !a.starts_with('-') || a == "-" {
            p.positional.push(a);
            continue;
        }
        if with_value.contains(&a) {
            p.options.push((a, it.next().map(String::as_str)));
        } else if let Some((name, value)) = a.split_once('=') {
            p.options.push((name, Some(value)));
        } else if !a.starts_with("--")
            && let Some(short) = a.get(..2)
            && with_value.contains(&short)
            && a.len() > 2
        {
            p.options.push((short, a.get(2..)));
        } else {
            p.options.push((a, None));
        }
    }
    p
}

/// Operands of a `cp`-like command, skipping options and the values of
/// `with_value` options; the directory of `-t DIR`/`--target-directory=DIR`.
pub(super) fn operands(args: &[String], with_value: &[&str]) -> (Vec<String>, Option<String>) {
    let mut out = Vec::new();
    let mut into = None;
    let mut it = args.iter();
    let mut only_operands = false;
    while let Some(a) = it.next() {
        if only_operands || !a.starts_with('-') || a == "-" {
            out.push(a.clone());
        } else if a == "--" {
            only_operands = true;
        } else if a == "-t" || a == "--target-directory" {
            into = it.next().cloned();
        } else if let Some(d) = a.strip_prefix("--target-directory=") {
            into = Some(d.to_string());
        } else if with_value.contains(&a.as_str()) {
            it.next();
        }
    }
    (out, into)
}

pub(super) fn last_name(path: &str) -> &str {
    let t = path.trim_end_matches('/');
    t.rsplit('/').next().unwrap_or(t)
}
