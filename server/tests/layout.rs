//! The shape of the code, checked: no import cycle between the modules of `app/src` or of
//! `server/src`, `app`'s top-level modules import only along the layers its `lib.rs` lists, and
//! no source file grows past one story's length.
//!
//! A module (one file) depends on another when it names it in a `use` or in a `crate::` or
//! `super::` path. A module and the modules inside it are one story and may name each other (a
//! `mod.rs` re-exporting its children, a child using its parent's types); every other arrow
//! counts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// Every source file under `root`, by the module path it defines (`a/b.rs` and `a/b/mod.rs` are
/// `a::b`; `lib.rs` is the crate root). Binaries' `main.rs` are crates of their own: left out.
fn modules(root: &Path) -> BTreeMap<Module, String> {
    let mut found = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path: PathBuf = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|extension| extension != "rs") {
                continue;
            }
            let relative = path.strip_prefix(root).unwrap().with_extension("");
            let mut module: Module = relative
                .iter()
                .map(|part| part.to_string_lossy().into_owned())
                .collect();
            match module.last().map(String::as_str) {
                Some("main") if module.len() == 1 => continue,
                Some("lib") if module.len() == 1 => module.clear(),
                Some("mod") => {
                    module.pop();
                }
                _ => {}
            }
            found.insert(module, std::fs::read_to_string(&path).unwrap());
        }
    }
    found
}

/// The code of `source` without its comments (whole-line `//` comments, doc comments included).
fn code(source: &str) -> String {
    source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into its paths (`a::b`, `a::c::d`, `a::c::e`).
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.split_whitespace().collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let close = tree
        .rfind('}')
        .filter(|close| *close > open)
        .unwrap_or(tree.len());
    let inner = &tree[open + 1..close];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (index, character) in inner.char_indices() {
        match character {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|item| !item.is_empty())
        .flat_map(|item| {
            expand(item)
                .into_iter()
                .map(move |path| format!("{prefix}{path}"))
        })
        .collect()
}

/// The paths `source` names: those of its `use` items, and `crate::`/`super::` paths in code.
fn named_paths(source: &str) -> Vec<String> {
    let code = code(source);
    let mut paths = Vec::new();
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let item = line.trim_start();
        let item = item
            .strip_prefix("pub ")
            .or_else(|| item.strip_prefix("pub(crate) "))
            .or_else(|| item.strip_prefix("pub(super) "))
            .unwrap_or(item);
        if let Some(tree) = item.strip_prefix("use ") {
            let start = offset + line.len() - tree.len();
            if let Some(end) = code[start..].find(';') {
                paths.extend(expand(&code[start..start + end]));
            }
        }
        offset += line.len();
    }
    for prefix in ["crate::", "super::"] {
        for (index, _) in code.match_indices(prefix) {
            let tail: String = code[index..]
                .chars()
                .take_while(|character| character.is_alphanumeric() || "_:".contains(*character))
                .collect();
            paths.push(tail);
        }
    }
    paths
}

/// The module `path`, named inside `from`, lands in: the longest prefix of it that is a module.
/// `None` for another crate's path.
fn resolve(path: &str, from: &Module, known: &BTreeMap<Module, String>) -> Option<Module> {
    let segments: Vec<&str> = path
        .split("::")
        .filter(|segment| !segment.is_empty())
        .collect();
    let first = *segments.first()?;
    let (mut base, mut rest) = match first {
        "crate" => (Vec::new(), &segments[1..]),
        "self" => (from.clone(), &segments[1..]),
        // `super`, a child module of `from`, or another crate.
        _ => (from.clone(), &segments[..]),
    };
    while rest.first() == Some(&"super") {
        base.pop();
        rest = &rest[1..];
    }
    let mut target = base.clone();
    let mut deepest = None;
    for segment in rest {
        target.push(segment.to_string());
        if !known.contains_key(&target) {
            break;
        }
        deepest = Some(target.clone());
    }
    match deepest {
        Some(module) => Some(module),
        None if matches!(first, "crate" | "super" | "self") => Some(base),
        None => None,
    }
}

/// The arrows between modules: who names whom, a module's own inside and outside left out.
fn arrows(root: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let known = modules(root);
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, source) in &known {
        let targets = graph.entry(module.clone()).or_default();
        for path in named_paths(source) {
            let Some(target) = resolve(&path, module, &known) else {
                continue;
            };
            let related = target.starts_with(module) || module.starts_with(&target);
            if !related {
                targets.insert(target);
            }
        }
    }
    graph
}

/// The groups of modules that reach each other through arrows (cycles), each as its members.
fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<String>> {
    let reaches = |from: &Module| {
        let mut seen = BTreeSet::new();
        let mut pending: Vec<&Module> = graph[from].iter().collect();
        while let Some(next) = pending.pop() {
            if seen.insert(next.clone()) {
                pending.extend(graph.get(next).into_iter().flatten());
            }
        }
        seen
    };
    let reach: BTreeMap<&Module, BTreeSet<Module>> = graph
        .keys()
        .map(|module| (module, reaches(module)))
        .collect();
    let mut groups = BTreeSet::new();
    for (module, reached) in &reach {
        let group: Vec<String> = reached
            .iter()
            .filter(|other| reach[other].contains(*module))
            .map(|other| other.join("::"))
            .collect();
        if !group.is_empty() {
            groups.insert(group);
        }
    }
    groups.into_iter().collect()
}

fn source_root(crate_dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_dir)
        .join("src")
}

#[test]
fn no_module_of_app_or_server_is_part_of_an_import_cycle() {
    for crate_dir in ["app", "server"] {
        let graph = arrows(&source_root(crate_dir));
        assert!(graph.len() > 10, "{crate_dir}: modules found");
        assert_eq!(
            cycles(&graph),
            Vec::<Vec<String>>::new(),
            "{crate_dir}: cycles"
        );
    }
}

/// The layers `app/src/lib.rs` lists, top first: its lines `//! N. [`a`], [`b`]`.
fn documented_layers() -> Vec<Vec<String>> {
    let lib = std::fs::read_to_string(source_root("app").join("lib.rs")).unwrap();
    lib.lines()
        .filter_map(|line| line.strip_prefix("//! "))
        .filter(|line| {
            line.split_once(". ")
                .is_some_and(|(n, _)| n.parse::<u8>().is_ok())
        })
        .map(|line| {
            line.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

#[test]
fn app_modules_import_only_from_their_layer_and_the_layers_below() {
    let layers = documented_layers();
    assert!(
        layers.len() >= 4,
        "layers listed in app/src/lib.rs: {layers:?}"
    );
    let floor = |module: &Module| {
        let top = module.first()?;
        layers.iter().position(|layer| layer.contains(top))
    };
    let graph = arrows(&source_root("app"));
    let mut upward = Vec::new();
    for (module, targets) in &graph {
        if module.is_empty() {
            continue;
        }
        let Some(from) = floor(module) else {
            upward.push(format!("{} is in no layer of lib.rs", module.join("::")));
            continue;
        };
        for target in targets {
            if floor(target).is_some_and(|to| to < from) {
                upward.push(format!("{} -> {}", module.join("::"), target.join("::")));
            }
        }
    }
    assert_eq!(
        upward,
        Vec::<String>::new(),
        "imports running up the layers"
    );
}

/// Files above this many lines are two stories in one; split them (tests may go in a `tests.rs`
/// beside, as `server/src/config/tests.rs` does).
const MAX_LINES: usize = 320;

#[test]
fn no_source_file_of_app_or_server_is_over_the_line_limit() {
    let mut long = Vec::new();
    for crate_dir in ["app", "server"] {
        let root = source_root(crate_dir);
        for (module, source) in modules(&root) {
            let lines = source.lines().count();
            if lines > MAX_LINES {
                long.push(format!(
                    "{crate_dir}: {} ({lines} lines)",
                    module.join("::")
                ));
            }
        }
    }
    assert_eq!(long, Vec::<String>::new(), "files over {MAX_LINES} lines");
}

#[test]
fn the_checker_sees_a_cycle_and_a_brace_group() {
    let graph: BTreeMap<Module, BTreeSet<Module>> = [
        (
            vec!["a".to_string()],
            BTreeSet::from([vec!["b".to_string()]]),
        ),
        (
            vec!["b".to_string()],
            BTreeSet::from([vec!["a".to_string()]]),
        ),
        (
            vec!["c".to_string()],
            BTreeSet::from([vec!["a".to_string()]]),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(cycles(&graph), vec![vec!["a".to_string(), "b".to_string()]]);
    assert_eq!(
        expand("crate::{api::{a, b}, ssr::c}"),
        ["crate::api::a", "crate::api::b", "crate::ssr::c"]
    );
}
