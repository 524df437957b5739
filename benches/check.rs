//! Criterion benchmark of a full check over a generated corpus (benches/corpus.rs).
//!
//! `cargo bench --bench check` runs the benchmark on 200 projects.
//! `BERTH_CORPUS=DIR BERTH_CORPUS_PROJECTS=N cargo bench --bench check` only
//! writes the corpus to DIR (used by benches/compare.sh).

use std::path::PathBuf;

use criterion::Criterion;

#[path = "corpus.rs"]
mod corpus;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let stats = corpus::generate(dir.path(), 200);
    let opts = berth::check::CheckOptions {
        paths: vec![PathBuf::from(".")],
        config: None,
        select: Vec::new(),
        cwd: dir.path().to_path_buf(),
        env: berth::compose::Env::default(),
        report_stacks: false,
    };
    let mut group = c.benchmark_group("check");
    group.sample_size(20);
    group.bench_function(
        format!(
            "{} compose files, {} Dockerfiles",
            stats.compose_files, stats.dockerfiles
        ),
        |b| b.iter(|| berth::check::check(&opts).expect("check runs")),
    );
    group.finish();
}

fn main() {
    if let Some(out) = std::env::var_os("BERTH_CORPUS") {
        let n = std::env::var("BERTH_CORPUS_PROJECTS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(2000);
        let stats = corpus::generate(std::path::Path::new(&out), n);
        println!(
            "wrote {n} projects: {} compose files, {} Dockerfiles",
            stats.compose_files, stats.dockerfiles
        );
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
