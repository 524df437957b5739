//! File commands: `cp`, `mv` and `install` (where files land), and the
//! in-place edits of `chmod` (execute bits) and `sed -i`.

use super::args::{last_name, operands};
use super::{Cx, Event};

pub(super) fn copy_like(cx: &mut Cx<'_>, tool: &str, args: &[String]) {
    // `install -d` only makes directories; options with values are skipped.
    if tool == "install" && args.iter().any(|a| a == "-d" || a == "--directory") {
        return;
    }
    let (operands, into) = operands(
        args,
        &[
            "-m", "-o", "-g", "--mode", "--owner", "--group", "-S", "--suffix",
        ],
    );
    // Each source with where it lands.
    let mut moves: Vec<(&str, String)> = Vec::new();
    if let Some(dir) = &into {
        for src in &operands {
            moves.push((src, format!("{dir}/{}", last_name(src))));
        }
    } else if let [sources @ .., dest] = operands.as_slice() {
        let into_dir = dest.ends_with('/') || matches!(dest.as_str(), "." | "..");
        match sources {
            [] => {}
            [one] if into_dir => moves.push((one, format!("{dest}/{}", last_name(one)))),
            [one] => moves.push((one, dest.clone())),
            many if tool == "mv" => {
                for src in many {
                    moves.push((src, format!("{dest}/{}", last_name(src))));
                }
            }
            // Several sources into a directory: the directory is filled.
            _ => {
                let out = cx.path(dest);
                cx.output(out);
            }
        }
    }
    for (src, dest) in moves {
        let to = cx.path(&dest);
        if tool != "mv" {
            cx.output(to);
            continue;
        }
        match (cx.path(src), to) {
            (Some(from), Some(to)) => cx.out.push(Event::Moved {
                from,
                to,
                what: cx.what.clone(),
            }),
            (Some(from), None) => cx.out.push(Event::Removed(from)),
            (None, to) => cx.output(to),
        }
    }
}

/// Does a `chmod` mode make files executable (`+x`, `755`, `u=rwx`)?
fn grants_execute(mode: &str) -> bool {
    if !mode.is_empty() && mode.chars().all(|c| c.is_digit(8)) {
        // The last three digits are user, group, other.
        return mode
            .chars()
            .rev()
            .take(3)
            .filter_map(|c| c.to_digit(8))
            .any(|d| d & 1 == 1);
    }
    mode.split(',').any(|clause| {
        clause
            .find(['+', '='])
            .and_then(|at| clause.get(at + 1..))
            .is_some_and(|perms| perms.contains(['x', 'X']))
    })
}

pub(super) fn chmod(cx: &mut Cx<'_>, args: &[String]) {
    // A recursive change is a directory's permissions, not a file's content.
    if args
        .iter()
        .any(|a| a == "-R" || a == "--recursive" || a.starts_with("--reference"))
    {
        return;
    }
    // Symbolic modes such as `-x` look like options: take the first word
    // that is not a GNU option as the mode.
    let mut words = args.iter().filter(|a| {
        !matches!(
            a.as_str(),
            "-v" | "-c" | "-f" | "--verbose" | "--changes" | "--silent" | "--quiet"
        )
    });
    let Some(mode) = words.next() else { return };
    if !grants_execute(mode) {
        return;
    }
    let what = format!("chmod {mode}");
    for f in words {
        if let Some(path) = cx.path(f) {
            cx.out.push(Event::Edited(path, what.clone()));
        }
    }
}

pub(super) fn sed(cx: &mut Cx<'_>, args: &[String]) {
    let mut in_place = false;
    let mut script_given = false;
    let mut files: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.as_str();
        if a == "--in-place" || a.starts_with("--in-place=") {
            in_place = true;
        } else if a == "-e" || a == "--expression" || a == "-f" || a == "--file" {
            script_given = true;
            it.next();
        } else if a.starts_with("--expression=") || a.starts_with("--file=") {
            script_given = true;
        } else if a == "-l" || a == "--line-length" {
            it.next();
        } else if let Some(flags) = a
            .strip_prefix('-')
            .filter(|f| !f.starts_with('-') && !f.is_empty())
        {
            // A group of short options: `-i[SUFFIX]` takes the rest as a
            // suffix; `-e SCRIPT`/`-f FILE` take the rest or the next word.
            for (i, c) in flags.char_indices() {
                match c {
                    'i' => {
                        in_place = true;
                        break;
                    }
                    'e' | 'f' => {
                        script_given = true;
                        if flags.get(i + 1..).is_none_or(str::is_empty) {
                            it.next();
                        }
                        break;
                    }
                    _ => {}
                }
            }
        } else if !a.starts_with("--") {
            files.push(a);
        }
    }
    if !in_place {
        return;
    }
    let files = if script_given {
        files.as_slice()
    } else {
        files.get(1..).unwrap_or(&[])
    };
    for f in files {
        if let Some(path) = cx.path(f) {
            cx.out.push(Event::Edited(path, "sed -i".to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::dockerfile::run::{Settings, analyse};

    #[test]
    fn relocations() {
        let r = analyse(
            "mv dist /srv/www && mv a.txt b.txt c/ && cp -r build /out",
            Some("/app"),
            &BTreeMap::new(),
            &mut Settings::default(),
        );
        assert_eq!(
            r,
            vec![
                Event::Moved {
                    from: "/app/dist".into(),
                    to: "/srv/www".into(),
                    what: "mv dist /srv/www".into()
                },
                Event::Moved {
                    from: "/app/a.txt".into(),
                    to: "/app/c/a.txt".into(),
                    what: "mv a.txt b.txt".into()
                },
                Event::Moved {
                    from: "/app/b.txt".into(),
                    to: "/app/c/b.txt".into(),
                    what: "mv a.txt b.txt".into()
                },
                Event::Output("/out".into(), "cp -r build".into()),
            ]
        );
        let r = analyse(
            "mv x $OUT",
            Some("/app"),
            &BTreeMap::new(),
            &mut Settings::default(),
        );
        assert_eq!(r, vec![Event::Removed("/app/x".into())]);
    }

    fn edits(script: &str) -> Vec<(String, String)> {
        analyse(
            script,
            Some("/app"),
            &BTreeMap::new(),
            &mut Settings::default(),
        )
        .into_iter()
        .filter_map(|e| match e {
            Event::Edited(p, how) => Some((p, how)),
            _ => None,
        })
        .collect()
    }

    #[test]
    fn in_place_edits() {
        let e = |p: &str, how: &str| vec![(p.to_string(), how.to_string())];
        assert_eq!(
            edits("chmod +x entrypoint.sh"),
            e("/app/entrypoint.sh", "chmod +x")
        );
        assert_eq!(edits("chmod 755 /app/run"), e("/app/run", "chmod 755"));
        assert_eq!(
            edits("chmod u=rwx,go=rx bin/start"),
            e("/app/bin/start", "chmod u=rwx,go=rx")
        );
        assert_eq!(edits("chmod 644 config.yml"), vec![]);
        assert_eq!(edits("chmod -R 775 storage"), vec![]);
        assert_eq!(edits("chmod go-w secrets"), vec![]);
        assert_eq!(edits("chown -R app:app /app"), vec![]);
        assert_eq!(
            edits("sed -i 's/a/b/' conf/app.ini"),
            e("/app/conf/app.ini", "sed -i")
        );
        assert_eq!(
            edits("sed -i.bak -e 's/a/b/' -e 's/c/d/' x.conf"),
            e("/app/x.conf", "sed -i")
        );
        assert_eq!(edits("sed -Ei 's/a/b/' x.conf"), e("/app/x.conf", "sed -i"));
        assert_eq!(edits("sed 's/a/b/' x.conf > y.conf"), vec![]);
        assert_eq!(edits("sed -n '1p' x.conf"), vec![]);
        assert_eq!(
            edits("dos2unix docker/start.sh"),
            e("/app/docker/start.sh", "dos2unix")
        );
    }

    #[test]
    fn modes() {
        assert!(grants_execute("+x"));
        assert!(grants_execute("a+rx"));
        assert!(grants_execute("0755"));
        assert!(grants_execute("4755"));
        assert!(grants_execute("701"));
        assert!(!grants_execute("644"));
        assert!(!grants_execute("0600"));
        assert!(!grants_execute("-x"));
        assert!(!grants_execute("o-rwx"));
    }
}
