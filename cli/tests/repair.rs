//! `rewal repair` on copies of torn.wal and corrupt.wal: what is left, what
//! is kept, and what is refused. The committed vectors are never touched.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::{rewal, vectors_dir, Scratch};

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(vectors_dir().join(name)).expect("read vector")
}

#[test]
fn cutting_a_torn_tail_leaves_exactly_the_valid_frames() {
    let dir = Scratch::new("repair-torn");
    dir.reset();
    let run = rewal(dir.dir(), &["repair", "torn.wal", "--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        std::fs::read(dir.path("torn.wal")).expect("read"),
        vector("torn.wal"),
        "dry run changed nothing"
    );
    let run = rewal(dir.dir(), &["repair", "torn.wal"]);
    assert_eq!(run.code, 0, "{run:?}");
    // torn.wal is plain.wal plus 17 bytes: the cut gives plain.wal back.
    assert_eq!(
        std::fs::read(dir.path("torn.wal")).expect("read"),
        vector("plain.wal")
    );
    assert_eq!(rewal(dir.dir(), &["verify", "torn.wal"]).code, 0);
    assert_eq!(
        std::fs::read(vectors_dir().join("torn.wal")).expect("read"),
        vector("torn.wal")
    );
}

#[test]
fn a_corruption_is_cut_only_on_request_and_the_removed_bytes_are_kept() {
    let dir = Scratch::new("repair-corrupt");
    dir.reset();
    let original = vector("corrupt.wal");
    for args in [
        &["repair", "corrupt.wal"][..],
        &["repair", "corrupt.wal", "--dry-run", "--cut-at-corruption"],
    ] {
        let run = rewal(dir.dir(), args);
        assert_eq!(
            std::fs::read(dir.path("corrupt.wal")).expect("read"),
            original,
            "{args:?} changed it"
        );
        assert!(!dir.path("corrupt.wal.removed-79").exists());
        assert_eq!(run.code, if args.len() == 2 { 2 } else { 0 }, "{run:?}");
    }
    let run = rewal(dir.dir(), &["repair", "corrupt.wal", "--cut-at-corruption"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        std::fs::read(dir.path("corrupt.wal")).expect("read"),
        original[..79]
    );
    assert_eq!(
        std::fs::read(dir.path("corrupt.wal.removed-79")).expect("read"),
        original[79..]
    );
    assert_eq!(rewal(dir.dir(), &["verify", "corrupt.wal"]).code, 0);
}

#[test]
fn a_cut_never_overwrites_an_earlier_copy_of_removed_bytes() {
    let dir = Scratch::new("repair-twice");
    dir.reset();
    std::fs::write(dir.path("corrupt.wal.removed-79"), b"an earlier copy").expect("write");
    let run = rewal(dir.dir(), &["repair", "corrupt.wal", "--cut-at-corruption"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert_eq!(
        run.stderr(),
        "rewal: corrupt.wal: nothing repaired: cannot create corrupt.wal.removed-79 for the removed bytes: it already exists\n"
    );
    assert_eq!(
        std::fs::read(dir.path("corrupt.wal")).expect("read"),
        vector("corrupt.wal")
    );
    assert_eq!(
        std::fs::read(dir.path("corrupt.wal.removed-79")).expect("read"),
        b"an earlier copy"
    );
}
