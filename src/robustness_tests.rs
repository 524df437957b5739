//! Mutated inputs never panic: every fixture compose file and Dockerfile is
//! cut, spliced and byte-flipped thousands of times (a fixed pseudo-random
//! sequence, so failures reproduce) and run through loading, parsing and
//! image facts.

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
            if let Ok(df) = dockerfile::parse(FileId(1), &text) {
                for stage in &df.stages {
                    let _ = dockerfile::image_facts(&df, stage.name.as_deref(), &[]);
                }
                let _ = dockerfile::image_facts(&df, None, &[("A".into(), Some("b".into()))]);
            }
        }
    }
}
