//! Mutated inputs never panic: every fixture file is cut, spliced and
//! byte-flipped thousands of times (a fixed pseudo-random sequence, so
//! failures reproduce) and run through loading, parsing, image facts and
//! what classification reads (scripts, README prose, commands).

use std::path::{Path, PathBuf};

use crate::compose::Env;
use crate::compose::layer::file_layer;
use crate::compose::merge::{apply, empty};
use crate::dockerfile;
use crate::source::{FileId, bytes_to_text};

fn fixture_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.metadata().is_ok_and(|m| m.len() < 64 * 1024) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

fn mutate(bytes: &[u8], rng: &mut Lcg) -> Vec<u8> {
    let mut b = bytes.to_vec();
    const PIECES: &[&[u8]] = &[
        b"${",
        b"}",
        b"$$",
        b":-",
        b"&a ",
        b"*a",
        b"<<: ",
        b"- ",
        b": ",
        b"\n  ",
        b"\"",
        b"'",
        b"[",
        b"{",
        b"\t",
        b"\xc3",
        b"\\",
        b"COPY --from=",
        b"WORKDIR ..",
        b"ARG ",
        b"\n",
    ];
    for _ in 0..(1 + rng.next() % 4) {
        if b.is_empty() {
            b.extend_from_slice(PIECES[rng.next() % PIECES.len()]);
            continue;
        }
        let at = rng.next() % b.len();
        match rng.next() % 4 {
            0 => b.truncate(at),
            1 => {
                let piece = PIECES[rng.next() % PIECES.len()];
                b.splice(at..at, piece.iter().copied());
            }
            2 => b[at] = (rng.next() % 256) as u8,
            _ => {
                let end = (at + rng.next() % 16).min(b.len());
                b.drain(at..end);
            }
        }
    }
    b
}

#[test]
fn mutated_fixtures_never_panic() {
    let files = fixture_files();
    assert!(files.len() > 20);
    let env = Env::default();
    let mut rng = Lcg(0x0062_6572_7468);
    // BERTH_ROBUSTNESS_ROUNDS=N runs a longer search.
    let rounds = std::env::var("BERTH_ROBUSTNESS_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    for _ in 0..rounds {
        for path in &files {
            let Ok(original) = std::fs::read(path) else {
                continue;
            };
            let mutated = mutate(&original, &mut rng);
            let Ok(text) = bytes_to_text(mutated) else {
                continue;
            };
            if let Ok(root) = crate::source::yaml::parse(&text) {
                let vars = env.process.clone();
                let (layer, _) = file_layer(FileId(0), &root, &vars, Path::new("/nonexistent"));
                for sl in &layer.services {
                    let mut svc = empty(sl.name.clone());
                    apply(&mut svc, sl);
                }
            }
            // What classification reads besides the model: scripts, README
            // prose, commands, names and a `.yarnrc`.
            let _ = crate::runs::scan(&text);
            let _ = crate::runs::readme_line(&text);
            let _ = crate::classify::command_class(&text);
            let _ = crate::classify::by_name(&text);
            let _ = dockerfile::run::Settings::from_context(&dockerfile::run::ContextFiles {
                yarnrc: Some(text.clone()),
            });
            if let Ok(df) = dockerfile::parse(FileId(1), &text) {
                for stage in &df.stages {
                    let _ = dockerfile::image_facts(&df, stage.name.as_deref(), &[]);
                }
                let _ = dockerfile::image_facts(&df, None, &[("A".into(), Some("b".into()))]);
            }
        }
    }
}

/// The publish side reads SARIF and patches from other programs (another
/// tool, GitHub, or an untrusted run in the fork pattern): mutated, they
/// must never panic the reader, the diff mapping or the comment renderer.
#[test]
fn mutated_sarif_and_patches_never_panic() {
    use crate::publish::{code_scanning, comment, diff, findings, review};
    let snap = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/integration/snapshots/integration__sarif__sarif__seed_incident.snap"),
    )
    .unwrap_or_default();
    let sarif = snap.split_once("\n---\n").map_or("", |(_, s)| s).to_owned();
    assert!(
        sarif.contains("\"runs\""),
        "the seed SARIF snapshot is readable"
    );
    let patch = "@@ -1,3 +1,4 @@\n services:\n-  a: 1\n+  a: 2\n+  b: 3\n   c: 4\n@@ -20,2 +21,2 @@\n x\n-y\n+z";
    let mut rng = Lcg(0x0070_7562_6c69_7368);
    let rounds = std::env::var("BERTH_ROBUSTNESS_ROUNDS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(20)
        * 10;
    let ctx = crate::publish::context::Context::from_env(
        &|k| (k == "GITHUB_REPOSITORY").then(|| "a/b".to_owned()),
        None,
    )
    .expect("context");
    let ws = diff::Workspace::new(None);
    let mut parsed = 0;
    for _ in 0..rounds {
        let p = mutate(patch.as_bytes(), &mut rng);
        let d = diff::parse_patch(&String::from_utf8_lossy(&p)).unwrap_or_default();
        let diffs = std::collections::HashMap::from([
            (
                "examples/seed-incident/docker-compose.yml".to_owned(),
                d.clone(),
            ),
            ("examples/seed-incident/backend/Dockerfile".to_owned(), d),
        ]);
        // Half byte-level (the reader must survive broken JSON's neighbours),
        // half structural (every field with every wrong type or value).
        let value = if rng.next().is_multiple_of(2) {
            let s = mutate(sarif.as_bytes(), &mut rng);
            match serde_json::from_slice::<serde_json::Value>(&s) {
                Ok(v) => v,
                Err(_) => continue,
            }
        } else {
            let mut v: serde_json::Value = serde_json::from_str(&sarif).unwrap_or_default();
            for _ in 0..(1 + rng.next() % 4) {
                mutate_json(&mut v, &mut rng);
            }
            v
        };
        parsed += 1;
        let Ok(read) = findings::read(&value, Some("/w")) else {
            continue;
        };
        for exact in [true, false] {
            let p = review::plan(&read.findings, &diffs, &ws, exact, &[], 25);
            for (f, t) in &p.comments {
                let at = comment::Placement {
                    on_evidence: t.on_evidence,
                    suggestion: f.suggestion.as_ref().map(|s| s.text.as_str()),
                };
                let body = comment::comment_body(f, &at, &ctx, "berth");
                assert_eq!(
                    comment::read_marker(&body).map(|(_, fp, _)| fp),
                    Some(f.fingerprint.as_str()),
                    "a comment's own marker is the one read back"
                );
            }
        }
        let _ = code_scanning::prepare(&value, Some("berth"), rng.next().is_multiple_of(2));
    }
    // Mutations mostly break JSON; enough must survive to reach the reader.
    assert!(
        parsed * 2 >= rounds,
        "only {parsed} of {rounds} mutated logs were JSON"
    );
}

/// Replace one node of `v`, chosen at random, with a hostile value.
fn mutate_json(v: &mut serde_json::Value, rng: &mut Lcg) {
    use serde_json::{Value, json};
    fn count(v: &Value) -> usize {
        1 + match v {
            Value::Array(a) => a.iter().map(count).sum(),
            Value::Object(o) => o.values().map(count).sum(),
            _ => 0,
        }
    }
    /// Replace the `n`th node in pre-order with `new`; true once done.
    fn replace_nth(v: &mut Value, n: &mut usize, new: &Value) -> bool {
        if *n == 0 {
            *v = new.clone();
            return true;
        }
        *n -= 1;
        match v {
            Value::Array(a) => a.iter_mut().any(|x| replace_nth(x, n, new)),
            Value::Object(o) => o.values_mut().any(|x| replace_nth(x, n, new)),
            _ => false,
        }
    }
    let hostile = [
        Value::Null,
        json!(-1),
        json!(0),
        json!(u64::MAX),
        json!(4_294_967_296u64),
        json!(1.5e300),
        json!(""),
        json!("../../etc/passwd"),
        json!("file:///etc/passwd"),
        json!("<!-- berth-finding berth 00 --> @everyone"),
        json!("%zz%"),
        json!([]),
        json!({}),
        json!([[[[[[[[[[]]]]]]]]]]),
    ];
    let mut n = rng.next() % count(v);
    let pick = hostile[rng.next() % hostile.len()].clone();
    replace_nth(v, &mut n, &pick);
}
