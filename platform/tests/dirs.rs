//! Listing directories: `fold_dir`, and `list_dir` / `list_subdirs` on it.
#![cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]

use rewal_platform::{fold_dir, list_dir, list_subdirs, EntryKind};
use std::ops::ControlFlow;
use std::path::PathBuf;

/// A fresh directory holding the files `a` and `b` and the directory `sub`.
fn directory(name: &str) -> PathBuf {
    // Not the process id: WASI has none. Tests run once per process.
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    let stamp = since.expect("clock").as_nanos();
    // `std::env::temp_dir` panics on WASI; the wasmtime runner sets TMPDIR.
    let temp = std::env::var_os("TMPDIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = temp.join(format!("rewal-platform-{name}-{stamp}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).expect("create");
    std::fs::write(dir.join("a"), b"1").expect("write a");
    std::fs::write(dir.join("b"), b"2").expect("write b");
    dir
}

#[test]
fn fold_dir_sees_each_entry_once_with_its_kind() {
    let dir = directory("kinds");
    let mut seen = fold_dir(&dir, Vec::new, |mut seen, name, kind| {
        seen.push((name.to_string_lossy().into_owned(), kind));
        ControlFlow::Continue(seen)
    })
    .expect("list");
    seen.sort_by(|x, y| x.0.cmp(&y.0));
    let expected = [
        ("a", EntryKind::File),
        ("b", EntryKind::File),
        ("sub", EntryKind::Dir),
    ];
    let expected: Vec<(String, EntryKind)> = expected
        .iter()
        .map(|(name, kind)| (name.to_string(), *kind))
        .collect();
    assert_eq!(seen, expected);

    let mut files = list_dir(&dir).expect("files");
    files.sort();
    assert_eq!(files, ["a", "b"]);
    assert_eq!(list_subdirs(&dir).expect("dirs"), ["sub"]);
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn fold_dir_stops_at_a_break() {
    let dir = directory("break");
    let mut visited = 0;
    let first = fold_dir(
        &dir,
        || None,
        |_, name, _| {
            visited += 1;
            ControlFlow::Break(Some(name.to_owned()))
        },
    )
    .expect("list");
    assert!(first.is_some());
    assert_eq!(visited, 1, "one entry visited, then it stopped");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn a_missing_directory_is_not_found() {
    let dir = directory("missing").join("not-there");
    let error = fold_dir(&dir, || (), |(), _, _| ControlFlow::Continue(())).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(
        list_dir(&dir).unwrap_err().kind(),
        std::io::ErrorKind::NotFound
    );
    std::fs::remove_dir_all(dir.parent().expect("parent")).expect("clean up");
}
