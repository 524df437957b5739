//! Generates a monorepo-like corpus: N projects, each with a production
//! compose file of four built services (multi-stage Dockerfiles for Rust, Go,
//! Node and Python), every third project with a development overlay, and every
//! tenth with the seed incident's mistake. The images are otherwise healthy
//! (non-root `USER`, a `HEALTHCHECK`), as most services of a real monorepo are.

use std::fs;
use std::path::Path;

pub struct Stats {
    pub compose_files: usize,
    pub dockerfiles: usize,
}

const RUST: &str = "FROM rust:1.83 AS builder\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\nRUN mkdir src && echo \"fn main() {}\" > src/main.rs && cargo build --release\nCOPY src ./src\nRUN cargo build --release\n\nFROM debian:bookworm-slim\nWORKDIR /app\nRUN apt-get update && apt-get install -y ca-certificates && rm -rf /var/lib/apt/lists/*\nCOPY --from=builder /app/target/release/{name} /app/{name}\nUSER nobody\nEXPOSE 3000\nHEALTHCHECK CMD [\"/app/{name}\", \"--health\"]\nCMD [\"/app/{name}\"]\n";
const GO: &str = "FROM golang:1.23 AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/{name} ./cmd/{name}\n\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /out/{name} /usr/local/bin/{name}\nUSER nonroot\nHEALTHCHECK CMD [\"/usr/local/bin/{name}\", \"health\"]\nENTRYPOINT [\"/usr/local/bin/{name}\"]\n";
const NODE: &str = "FROM node:20-slim AS deps\nWORKDIR /usr/src/app\nCOPY package*.json ./\nRUN npm ci\n\nFROM deps AS build\nCOPY . .\nRUN npm run build\n\nFROM node:20-slim\nWORKDIR /usr/src/app\nENV NODE_ENV=production\nCOPY --from=deps /usr/src/app/node_modules ./node_modules\nCOPY --from=build /usr/src/app/dist ./dist\nUSER node\nHEALTHCHECK CMD [\"node\", \"dist/health.js\"]\nCMD [\"node\", \"dist/main.js\"]\n";
const PYTHON: &str = "ARG PY=3.12\nFROM python:${PY}-slim AS base\nWORKDIR /srv\nRUN python -m venv /venv\nENV PATH=/venv/bin:$PATH\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nUSER nobody\nHEALTHCHECK CMD [\"python\", \"-m\", \"{name}.health\"]\nCMD [\"python\", \"-m\", \"{name}\"]\n";

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).expect("create corpus directory");
    }
    fs::write(path, text).expect("write corpus file");
}

pub fn generate(root: &Path, projects: usize) -> Stats {
    let mut stats = Stats {
        compose_files: 0,
        dockerfiles: 0,
    };
    for p in 0..projects {
        let dir = root.join(format!("team-{:02}/project-{p:04}", p % 40));
        let mut compose = String::from("name: project\nservices:\n");
        for (i, (kind, template)) in [
            ("rust", RUST),
            ("go", GO),
            ("node", NODE),
            ("python", PYTHON),
        ]
        .iter()
        .enumerate()
        {
            let name = format!("{kind}-svc{i}");
            write(
                &dir.join(&name).join("Dockerfile"),
                &template.replace("{name}", &name),
            );
            stats.dockerfiles += 1;
            compose.push_str(&format!(
                "  {name}:\n    build:\n      context: ./{name}\n      args:\n        VERSION: \"1.{p}\"\n    restart: unless-stopped\n    environment:\n      LOG_LEVEL: info\n      PORT: \"{port}\"\n    ports:\n      - \"127.0.0.1:{port}:{port}\"\n    volumes:\n      - {name}-data:/var/lib/{name}\n",
                port = 3000 + i
            ));
            if p % 10 == 0 && i == 0 {
                compose.push_str(&format!("      - ./{name}:/app\n"));
            }
        }
        compose.push_str("volumes:\n");
        for (i, kind) in ["rust", "go", "node", "python"].iter().enumerate() {
            compose.push_str(&format!("  {kind}-svc{i}-data:\n"));
        }
        write(&dir.join("docker-compose.yml"), &compose);
        stats.compose_files += 1;
        if p % 3 == 0 {
            write(
                &dir.join("docker-compose.override.yml"),
                "services:\n  node-svc2:\n    volumes:\n      - ./node-svc2:/usr/src/app\n      - /usr/src/app/node_modules\n    command: [\"npm\", \"run\", \"dev\"]\n",
            );
            stats.compose_files += 1;
        }
    }
    stats
}
