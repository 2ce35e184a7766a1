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

/// Every `` `file.rs::name` `` in `text`: (file, name). A `` `::name` `` alone names a test of
/// the file cited last before it.
fn rust_citations(text: &str) -> Vec<(String, String)> {
    let is_name = |name: &str| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let mut found = Vec::new();
    let mut last_file: Option<String> = None;
    for quoted in text.split('`').skip(1).step_by(2) {
        if let Some(name) = quoted.strip_prefix("::") {
            if let (Some(file), true) = (&last_file, is_name(name)) {
                found.push((file.clone(), name.to_owned()));
            }
        } else if let Some((file, name)) = quoted.split_once(".rs::") {
            if !file.contains(' ') && is_name(name) {
                let file = format!("{file}.rs");
                found.push((file.clone(), name.to_owned()));
                last_file = Some(file);
            }
        }
    }
    found
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
    let text = "see `server/tests/api/a.rs::one_test`, `::another` and `x.spec.ts` \"a title\", \
                not `Foo::bar` nor `a.rs::b c`";
    let file = "server/tests/api/a.rs".to_owned();
    assert_eq!(
        rust_citations(text),
        [
            (file.clone(), "one_test".to_owned()),
            (file, "another".to_owned())
        ]
    );
    assert_eq!(
        browser_citations(text),
        [("x.spec.ts".to_owned(), "a title".to_owned())]
    );
}

/// The verdict counts of each chapter of `docs/security.md`'s tables, keyed by the chapter's id
/// (`V6`, `V3.4`): [met, partly, not met, n.a.].
fn verdicts_by_chapter(text: &str) -> Vec<(String, [usize; 4])> {
    let mut chapters: Vec<(String, [usize; 4])> = Vec::new();
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("## V") {
            let id = title.split_whitespace().next().unwrap_or_default();
            chapters.push((format!("V{id}"), [0; 4]));
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let is_row = cells.len() > 4
            && cells[1].contains(" (L")
            && cells[1].starts_with(|c: char| c.is_ascii_digit());
        if !is_row {
            continue;
        }
        let column = ["met", "partly", "not met", "n.a."]
            .iter()
            .position(|verdict| *verdict == cells[3])
            .unwrap_or_else(|| panic!("row {} has no verdict: {:?}", cells[1], cells[3]));
        let (_, counts) = chapters.last_mut().expect("a row before any chapter");
        counts[column] += 1;
    }
    chapters.retain(|(_, counts)| counts.iter().sum::<usize>() > 0);
    chapters
}

/// The summary table's claims: chapter id, then rows, met, partly, not met, n.a.
fn claimed_counts(text: &str) -> Vec<(String, [usize; 5])> {
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let id = cells.get(1)?.split_whitespace().next()?.trim_matches('*');
            let numbers: Vec<usize> = cells
                .get(2..7)?
                .iter()
                .map(|cell| cell.trim_matches('*').parse().ok())
                .collect::<Option<_>>()?;
            Some((id.to_owned(), numbers.try_into().ok()?))
        })
        .collect()
}

#[test]
fn the_security_statements_counts_are_those_of_its_rows() {
    let text = std::fs::read_to_string(project_root().join("docs/security.md")).unwrap();
    let chapters = verdicts_by_chapter(&text);
    assert!(chapters.len() >= 7, "{chapters:?}");
    let mut expected: Vec<(String, [usize; 5])> = chapters
        .iter()
        .map(|(id, counts)| {
            let rows = counts.iter().sum();
            (
                id.clone(),
                [rows, counts[0], counts[1], counts[2], counts[3]],
            )
        })
        .collect();
    let mut total = [0; 5];
    for (_, counts) in &expected {
        for (sum, count) in total.iter_mut().zip(counts) {
            *sum += count;
        }
    }
    expected.push(("total".to_owned(), total));
    assert_eq!(claimed_counts(&text), expected);
}
