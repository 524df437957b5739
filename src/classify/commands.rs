//! What a command runs: development servers, watchers, test runners,
//! keep-alive commands and production servers.

use super::{Class, by_name};

/// Development servers, watchers and test runners; production servers.
pub fn command_class(command: &str) -> Option<(Class, &'static str)> {
    let mut found: Option<(Class, &'static str)> = None;
    for words in crate::shell::split_commands(command) {
        if let Some(hit) = words_class(&words) {
            if hit.0 == Class::Development {
                return Some(hit);
            }
            found.get_or_insert(hit);
        }
    }
    found
}

/// The class of what an argv runs: exec form is one command (unless Compose
/// split a shell line into it: `npm ci && npm run dev`), shell form a script.
pub(super) fn argv_class(argv: &[String], shell: bool) -> Option<(Class, &'static str)> {
    match argv {
        [script] if shell => command_class(script),
        _ if argv
            .iter()
            .any(|w| matches!(w.as_str(), "&&" | "||" | ";" | "|")) =>
        {
            command_class(&argv.join(" "))
        }
        _ => words_class(argv),
    }
}

/// One simple command's words.
fn words_class(words: &[String]) -> Option<(Class, &'static str)> {
    // Look through `sh -c "..."`: its script is more commands.
    if let [sh, flag, script, ..] = words
        && matches!(base(sh), "sh" | "bash" | "ash" | "dash" | "zsh")
        && flag.starts_with('-')
        && flag.contains('c')
    {
        return command_class(script);
    }
    let words: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .skip_while(|w| {
            matches!(
                *w,
                "exec" | "env" | "npx" | "bunx" | "dumb-init" | "tini" | "--" | "poetry" | "pipenv"
            ) || (w.contains('=') && !w.starts_with('-'))
        })
        .collect();
    one_command(strip_runner(&words))
}

/// `bundle exec rails s` → `rails s`; `uv run uvicorn` → `uvicorn`.
fn strip_runner<'a>(words: &'a [&'a str]) -> &'a [&'a str] {
    match words {
        ["bundle", "exec", rest @ ..] | ["uv" | "poetry" | "pipenv" | "pdm", "run", rest @ ..] => {
            rest
        }
        _ => words,
    }
}

fn base(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

const DEV_SERVER: &str = "a development server";
const WATCHER: &str = "a file watcher that rebuilds on change";
const TESTS: &str = "a test runner";
const KEEP_ALIVE: &str = "a command that only keeps the container alive for a developer";
pub(super) const PROD_SERVER: &str = "a production server";

fn one_command(words: &[&str]) -> Option<(Class, &'static str)> {
    let first = base(words.first()?);
    // `./start-dev.sh`, `/opt/startup.dev.sh`: a script named for development.
    if words
        .first()
        .is_some_and(|w| w.contains('/') || w.ends_with(".sh"))
        && by_name(first) == Some(Class::Development)
    {
        return Some((Class::Development, "a script named for development"));
    }
    let rest = words.get(1..).unwrap_or(&[]);
    let has = |w: &str| rest.contains(&w);
    let sub = rest
        .iter()
        .copied()
        .find(|w| !w.starts_with('-'))
        .unwrap_or("");
    let dev = |why| Some((Class::Development, why));
    let prod = Some((Class::Production, PROD_SERVER));
    match first {
        "nodemon" | "ts-node-dev" | "tsnd" | "air" | "reflex" | "CompileDaemon" | "watchexec"
        | "webpack-dev-server" | "watchmedo" | "entr" | "guard" | "skaffold" => dev(WATCHER),
        "tsx" | "tsc" if has("watch") || has("--watch") || has("-w") => dev(WATCHER),
        "node" | "bun" | "deno" if has("--watch") || has("watch") => dev(WATCHER),
        "npm" | "yarn" | "pnpm" | "bun" => {
            let script = if sub == "run" || sub == "run-script" {
                rest.iter()
                    .copied()
                    .filter(|w| !w.starts_with('-'))
                    .nth(1)
                    .unwrap_or("")
            } else {
                sub
            };
            let s = script.to_ascii_lowercase();
            if matches!(s.as_str(), "dev" | "develop" | "watch" | "serve" | "debug")
                || s.starts_with("dev:")
                || s.ends_with(":dev")
                || s.ends_with(":watch")
                || s.ends_with(":debug")
                || s == "start:dev"
            {
                dev(DEV_SERVER)
            } else if s == "test" || s.starts_with("test:") {
                dev(TESTS)
            } else if matches!(s.as_str(), "start:prod" | "prod" | "serve:prod") {
                prod
            } else {
                None
            }
        }
        "next" | "nuxt" | "nuxi" | "astro" | "remix" | "gatsby" | "vite" if sub == "dev" => {
            dev(DEV_SERVER)
        }
        "vite" if !has("build") && !has("preview") && !has("optimize") => dev(DEV_SERVER),
        "ng" if sub == "serve" => dev(DEV_SERVER),
        "react-scripts" | "vue-cli-service" if sub == "start" || sub == "serve" => dev(DEV_SERVER),
        "nest" if sub == "start" && (has("--watch") || has("-w") || has("--debug")) => dev(WATCHER),
        "next" if sub == "start" => prod,
        "jest" | "vitest" | "mocha" | "pytest" | "rspec" | "phpunit" | "karma" | "cypress"
        | "playwright" => dev(TESTS),
        "flask" if sub == "run" => dev(DEV_SERVER),
        "fastapi" if sub == "dev" => dev(DEV_SERVER),
        "uvicorn" | "hypercorn" | "gunicorn" if has("--reload") => dev(WATCHER),
        // (php-fpm, apache and nginx run the same way in development: no signal.)
        "gunicorn" | "uwsgi" | "pm2-runtime" => prod,
        "python" | "python3" if has("runserver") => dev(DEV_SERVER),
        "python" | "python3" if rest.first() == Some(&"-m") && rest.get(1) == Some(&"pytest") => {
            dev(TESTS)
        }
        "django-admin" if sub == "runserver" => dev(DEV_SERVER),
        "rails" | "rackup" | "puma" if words.contains(&"production") => prod,
        "rails" if matches!(sub, "s" | "server") => dev(DEV_SERVER),
        "dev" if words.first().is_some_and(|w| w.ends_with("bin/dev")) => dev(DEV_SERVER),
        "php" if has("serve") && rest.first().is_some_and(|w| w.ends_with("artisan")) => {
            dev(DEV_SERVER)
        }
        "php" if has("-S") => dev(DEV_SERVER),
        "symfony" if sub.starts_with("serve") || sub.starts_with("server:start") => dev(DEV_SERVER),
        "mvn" | "mvnw" | "gradle" | "gradlew"
            if rest.iter().any(|w| {
                matches!(
                    *w,
                    "spring-boot:run" | "bootRun" | "quarkus:dev" | "quarkusDev"
                )
            }) =>
        {
            dev(DEV_SERVER)
        }
        "quarkus" if sub == "dev" => dev(DEV_SERVER),
        "go" if sub == "run" => dev(DEV_SERVER),
        "go" if sub == "test" => dev(TESTS),
        "cargo" if sub == "watch" => dev(WATCHER),
        "cargo" if sub == "test" => dev(TESTS),
        "dotnet" if sub == "watch" => dev(WATCHER),
        "dotnet" if sub == "test" => dev(TESTS),
        "mix" if sub == "test" => dev(TESTS),
        "sleep" if has("infinity") => dev(KEEP_ALIVE),
        "tail" if has("/dev/null") => dev(KEEP_ALIVE),
        "java" if has("-jar") => prod,
        "dotnet" if sub.ends_with(".dll") => prod,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        let dev = |c: &str| command_class(c).map(|x| x.0) == Some(Class::Development);
        let prod = |c: &str| command_class(c).map(|x| x.0) == Some(Class::Production);
        for c in [
            "npm run dev",
            "yarn dev",
            "pnpm run start:dev",
            "nodemon src/index.js",
            "npx nodemon",
            "next dev",
            "vite --host 0.0.0.0",
            "ng serve --host 0.0.0.0",
            "flask run --host=0.0.0.0",
            "uvicorn app.main:app --host 0.0.0.0 --reload",
            "python manage.py runserver 0.0.0.0:8000",
            "bundle exec rails s -b 0.0.0.0",
            "cargo watch -x run",
            "air -c .air.toml",
            "dotnet watch run",
            "sh -c \"npm install && npm run dev\"",
            "./mvnw spring-boot:run",
            "go run ./cmd/api",
            "sleep infinity",
            "php artisan serve --host=0.0.0.0",
            "uv run fastapi dev app/main.py",
            "/opt/startup.relational.dev.sh",
            "./scripts/start-dev.sh",
        ] {
            assert!(dev(c), "{c}");
        }
        for c in [
            "gunicorn app:app -w 4",
            "next start",
            "java -jar /app/app.jar",
            "dotnet Api.dll",
            "npm run start:prod",
            "bundle exec rails s -e production",
        ] {
            assert!(prod(c), "{c}");
        }
        for c in [
            "node server.js",
            "npm start",
            "python app.py",
            "/app/backend",
            "vite build",
            "uvicorn app:app --host 0.0.0.0",
            "npm run build",
            "./scripts/start.sh",
        ] {
            assert_eq!(command_class(c), None, "{c}");
        }
    }
}
