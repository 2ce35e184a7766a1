//! The rename command a fork runs first (`scripts/rename.sh`), on a scratch copy of the project.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Copies the project's tracked files into `target`.
fn copy_project(root: &Path, target: &Path) {
    let listed = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .expect("git lists the project's files");
    assert!(listed.status.success());
    for name in listed
        .stdout
        .split(|byte| *byte == 0)
        .filter(|name| !name.is_empty())
    {
        let name = std::str::from_utf8(name).unwrap();
        let from = root.join(name);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = target.join(name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_below(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn renaming_a_fork_leaves_no_trace_of_the_old_name() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    copy_project(root, scratch.path());

    let status = Command::new("bash")
        .args(["scripts/rename.sh", "Acme Portal", "acme-portal"])
        .current_dir(scratch.path())
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");

    let mut renamed = 0;
    for file in files_below(scratch.path()) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        assert!(
            !text.contains(app::product::NAME) && !text.contains(app::product::SLUG),
            "{} still names the product",
            file.display()
        );
        renamed += usize::from(text.contains("acme-portal") || text.contains("Acme Portal"));
    }
    let product = std::fs::read_to_string(scratch.path().join("app/src/product.rs")).unwrap();
    assert!(product.contains(r#"pub const NAME: &str = "Acme Portal";"#));
    assert!(product.contains(r#"pub const SLUG: &str = "acme-portal";"#));
    let manifest = std::fs::read_to_string(scratch.path().join("Cargo.toml")).unwrap();
    assert!(manifest.contains(r#"output-name = "acme-portal""#));
    // Where the product is described rather than named, the description names it too.
    let browser_suite =
        std::fs::read_to_string(scratch.path().join("end2end/package.json")).unwrap();
    assert!(browser_suite.contains("Acme Portal"));
    let settings = std::fs::read_to_string(scratch.path().join(".env.example")).unwrap();
    assert!(settings.contains("REDIS_KEY_PREFIX=acme-portal"));
    assert!(renamed >= 4, "only {renamed} files were renamed");
}

#[test]
fn the_rename_command_refuses_a_slug_that_cannot_name_files() {
    // On a scratch copy of the script and the file it reads the name from: if the check ever
    // regressed, the rewrite would hit the copy, not the project.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    for file in ["scripts/rename.sh", "app/src/product.rs"] {
        let to = scratch.path().join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root.join(file), &to).unwrap();
    }
    let product = std::fs::read_to_string(scratch.path().join("app/src/product.rs")).unwrap();
    let output = Command::new("bash")
        .args(["scripts/rename.sh", "Acme", "Acme Portal"])
        .current_dir(scratch.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("slug"));
    let after = std::fs::read_to_string(scratch.path().join("app/src/product.rs")).unwrap();
    assert_eq!(after, product, "a refused rename changes nothing");
}
