//! The imports follow the layering in docs/design-notes.md: a module uses
//! only modules of lower layers (and its own layer's neighbours where the
//! table puts them together). A new upward import fails here, naming the file.

use std::path::Path;

/// Layer of each top-level module of `src/`, as docs/design-notes.md states it.
const LAYERS: &[(&str, u8)] = &[
    ("source", 0),
    ("paths", 0),
    ("shell", 0),
    ("secrets", 0),
    ("suggest", 0),
    ("compose", 1),
    ("dockerfile", 1),
    ("classify", 2),
    ("discover", 2),
    ("runs", 2),
    ("rules", 3),
    ("diagnostic", 3),
    ("suppress", 3),
    ("config", 3),
    ("check", 4),
    ("report", 5),
    ("publish", 6),
    ("run", 7),
    ("action", 7),
    ("testing", 7),
    ("cli", 7),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// Every `crate::name` a file mentions.
fn imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
    }
    out
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_imports_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong = Vec::new();
    let mut checked = 0;
    for path in all {
        let rel = path.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some(own) = layer(&top) else { continue };
        checked += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        for used in imports(&text) {
            if let Some(l) = layer(&used)
                && l > own
            {
                wrong.push(format!(
                    "{} (layer {own}) uses {used} (layer {l})",
                    rel.display()
                ));
            }
        }
    }
    assert!(checked > 50, "only {checked} files checked");
    assert!(wrong.is_empty(), "upward imports:\n{}", wrong.join("\n"));
}

#[test]
fn every_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    for line in lib.lines() {
        let line = line.trim();
        let Some(rest) = line
            .strip_prefix("pub mod ")
            .or_else(|| line.strip_prefix("pub(crate) mod "))
        else {
            continue;
        };
        let name = rest.trim_end_matches(';');
        assert!(
            layer(name).is_some(),
            "module `{name}` has no layer in LAYERS"
        );
    }
}
