//! The runtime crate's modules depend on each other one way, as ARCHITECTURE.md draws them: each layer uses only the
//! layers below it, and no modules import each other in a circle. Read from the `crate::` paths in the source, as a
//! newcomer would read them; a change that breaks the layout fails here with the modules to look at.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules from the bottom up; a module may use its own folder and any layer below its own.
const LAYERS: &[&[&str]] = &[
    &["lock", "config"],
    &["report"],
    &["observe"],
    &["setup"],
    &["guards", "assertions", "body"],
    &["harness", "ws"],
    &["builder", "http"],
];

fn layer_of(module: &str) -> Option<usize> {
    let top = module.split("::").next()?;
    LAYERS.iter().position(|layer| layer.contains(&top))
}

/// Every module of `runtime/src` by its path (`guards::leaks`), with its source minus unit tests.
fn modules() -> BTreeMap<String, String> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/src");
    let mut files = Vec::new();
    collect(&source, &mut files);
    files
        .into_iter()
        .filter_map(|file| {
            let relative = file.strip_prefix(&source).ok()?.with_extension("");
            let mut parts: Vec<String> = relative
                .iter()
                .map(|part| part.to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|last| last == "mod") {
                parts.pop();
            }
            let name = parts.join("::");
            if name == "lib" {
                return None;
            }
            let text = std::fs::read_to_string(&file).ok()?;
            let text = match text.find("#[cfg(test)]\nmod tests") {
                Some(tests) => text[..tests].to_string(),
                None => text,
            };
            Some((name, text))
        })
        .collect()
}

fn collect(directory: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(directory).expect("runtime/src is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

/// The modules `text` refers to through `crate::` paths (`use crate::{a, b::c}` included), resolved to the longest
/// module path that exists. `$crate::` in exported macros is the user's view of the crate, not an import.
fn imports(text: &str, modules: &BTreeMap<String, String>) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let mut paths = Vec::new();
    let mut rest = code.as_str();
    while let Some(start) = rest.find("crate::") {
        let before = rest[..start].chars().last();
        rest = &rest[start + "crate::".len()..];
        if before == Some('$') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            paths.extend(group[..end].split(',').map(|part| part.trim().to_string()));
        } else {
            let end = rest
                .find(|character: char| !(character.is_alphanumeric() || character == '_' || character == ':'))
                .unwrap_or(rest.len());
            paths.push(rest[..end].to_string());
        }
    }
    paths
        .iter()
        .filter_map(|path| {
            let parts: Vec<&str> = path
                .split("::")
                .filter(|part| !part.is_empty() && *part != "self")
                .collect();
            (1..=parts.len())
                .rev()
                .map(|length| parts[..length].join("::"))
                .find(|candidate| modules.contains_key(candidate))
        })
        .collect()
}

#[test]
fn runtime_modules_depend_on_each_other_one_way() {
    let modules = modules();
    assert!(modules.len() > 20, "found the modules: {:?}", modules.keys());
    let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut upward = Vec::new();
    for (module, text) in &modules {
        let layer = layer_of(module).unwrap_or_else(|| panic!("`{module}` belongs to no layer in LAYERS"));
        let top = module.split("::").next().unwrap_or_default();
        for import in imports(text, &modules) {
            let same_folder = import.split("::").next() == Some(top);
            if import == *module || import.starts_with(&format!("{module}::")) {
                continue;
            }
            if !same_folder && layer_of(&import).is_none_or(|imported| imported >= layer) {
                upward.push(format!("{module} -> {import}"));
            }
            edges.entry(module.as_str()).or_default().insert(import);
        }
    }
    assert!(
        upward.is_empty(),
        "imports of a layer not below the importer's:\n{}",
        upward.join("\n")
    );
    let cycles = cycles(&edges);
    assert!(
        cycles.is_empty(),
        "modules that import each other in a circle:\n{}",
        cycles.join("\n")
    );
}

/// Each circle of imports found by a depth-first search, written `a -> b -> a`.
fn cycles(edges: &BTreeMap<&str, BTreeSet<String>>) -> Vec<String> {
    fn visit<'a>(
        module: &'a str,
        edges: &'a BTreeMap<&str, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        found: &mut Vec<String>,
    ) {
        if let Some(start) = path.iter().position(|on_path| *on_path == module) {
            let mut circle: Vec<&str> = path[start..].to_vec();
            circle.push(module);
            found.push(circle.join(" -> "));
            return;
        }
        if !done.insert(module) {
            return;
        }
        path.push(module);
        for next in edges.get(module).into_iter().flatten() {
            visit(next, edges, path, done, found);
        }
        path.pop();
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    for module in edges.keys() {
        visit(module, edges, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

#[test]
fn the_check_sees_a_circle_and_an_upward_import() {
    let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    edges
        .entry("observe::activity")
        .or_default()
        .insert("observe::spawn_locations".into());
    edges
        .entry("observe::spawn_locations")
        .or_default()
        .insert("observe::activity".into());
    assert_eq!(
        cycles(&edges),
        ["observe::activity -> observe::spawn_locations -> observe::activity"]
    );
    let modules: BTreeMap<String, String> = [("report", ""), ("setup::registry", ""), ("setup", "")]
        .into_iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect();
    assert_eq!(
        imports(
            "use crate::setup::registry::{self, X};\nlet _ = $crate::report::y; // crate::report",
            &modules
        ),
        BTreeSet::from(["setup::registry".to_string()])
    );
    assert!(layer_of("report::wording") < layer_of("setup::registry"));
}
