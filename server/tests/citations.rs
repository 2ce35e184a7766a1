//! The documents' evidence, checked: every test that `docs/` or the README cites as proof of a
//! claim exists. A Rust test is cited as `` `path/to/file.rs::test_name` ``, a browser test as
//! `` `end2end/tests/x.spec.ts` "its title" ``; renaming or deleting one without mending the
//! document fails here, so no claim rests on a test that is not there.

use std::path::{Path, PathBuf};

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The documents whose citations are checked.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut found = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|extension| extension == "md") {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// Every `` `file.rs::name` `` in `text`: (file, name).
fn rust_citations(text: &str) -> Vec<(String, String)> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|quoted| quoted.split_once(".rs::"))
        .filter(|(file, name)| {
            !file.contains(' ') && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .map(|(file, name)| (format!("{file}.rs"), name.to_owned()))
        .collect()
}

/// Every `` `file.spec.ts` "title" `` in `text`: (file, title).
fn browser_citations(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(".spec.ts` \"") {
        let file_start = rest[..start].rfind('`').map_or(0, |tick| tick + 1);
        let file = format!("{}.spec.ts", &rest[file_start..start]);
        let after = &rest[start + ".spec.ts` \"".len()..];
        let Some(end) = after.find('"') else { break };
        found.push((file, after[..end].to_owned()));
        rest = &after[end..];
    }
    found
}

/// The file `cited` names: a path from the project root, or else the one file of that name
/// among the HTTP tests (documents may cite `email.rs::…` for `server/tests/api/email.rs`).
fn cited_file(root: &Path, cited: &str) -> Option<PathBuf> {
    let direct = root.join(cited);
    if direct.is_file() {
        return Some(direct);
    }
    let in_suite = root.join("server/tests/api").join(cited);
    in_suite.is_file().then_some(in_suite)
}

#[test]
fn every_test_the_documents_cite_exists() {
    let root = project_root();
    let mut missing = Vec::new();
    let mut checked = 0;
    for document in documents(&root) {
        let text = std::fs::read_to_string(&document).unwrap();
        let name = document.strip_prefix(&root).unwrap().display().to_string();
        for (file, test) in rust_citations(&text) {
            checked += 1;
            let source =
                cited_file(&root, &file).and_then(|path| std::fs::read_to_string(path).ok());
            if !source.is_some_and(|source| source.contains(&format!("fn {test}("))) {
                missing.push(format!("{name}: {file}::{test}"));
            }
        }
        for (file, title) in browser_citations(&text) {
            checked += 1;
            let source = std::fs::read_to_string(root.join(&file)).unwrap_or_default();
            if !source.contains(&format!("'{title}'")) {
                missing.push(format!("{name}: {file} \"{title}\""));
            }
        }
    }
    assert!(
        checked >= 50,
        "only {checked} citations found: is the pattern still right?"
    );
    assert_eq!(
        missing,
        Vec::<String>::new(),
        "cited tests that do not exist"
    );
}

#[test]
fn the_citation_reader_finds_both_kinds() {
    let text = "see `server/tests/api/a.rs::one_test` and `x.spec.ts` \"a title\", \
                not `Foo::bar` nor `a.rs::b c`";
    assert_eq!(
        rust_citations(text),
        [("server/tests/api/a.rs".to_owned(), "one_test".to_owned())]
    );
    assert_eq!(
        browser_citations(text),
        [("x.spec.ts".to_owned(), "a title".to_owned())]
    );
}
