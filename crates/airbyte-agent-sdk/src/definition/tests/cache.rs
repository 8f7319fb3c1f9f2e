//! The parsed-document cache of `load_path_cached`: same model as an
//! uncached load, never stale, never a reason to fail.

use std::path::Path;

use serde_json::{Value, json};

use super::{base, set};
use crate::definition::{ConnectorDefinition, load_path, load_path_cached};
use crate::error::Error;

/// Everything a load yields that callers can see.
fn fingerprint(def: &ConnectorDefinition) -> (Value, Value, String) {
    (
        serde_json::to_value(def).expect("serializes"),
        (*def.document).clone(),
        format!("{:?}", def.schemas),
    )
}

fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default()
}

#[test]
fn cached_loads_give_the_uncached_model_and_follow_edits() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("connector.yaml");
    let cache = tmp.path().join("cache");
    std::fs::write(&file, base().to_string()).expect("write");

    let fresh = load_path(&file).expect("loads");
    let first = load_path_cached(&file, &cache).expect("loads, filling the cache");
    assert_eq!(entries(&cache).len(), 1, "one entry per file");
    let second = load_path_cached(tmp.path(), &cache).expect("loads from the cache");
    assert_eq!(fingerprint(&first), fingerprint(&fresh));
    assert_eq!(fingerprint(&second), fingerprint(&fresh));
    assert_eq!(second.file, fresh.file);

    // An edit is seen at once, and replaces the entry instead of adding one.
    let mut edited = base();
    set(&mut edited, "/info/title", json!("Edited API"));
    std::fs::write(&file, edited.to_string()).expect("write");
    let after_edit = load_path_cached(&file, &cache).expect("loads");
    assert_eq!(after_edit.title, "Edited API");
    assert_eq!(
        fingerprint(&after_edit),
        fingerprint(&load_path(&file).expect("loads"))
    );
    assert_eq!(entries(&cache).len(), 1);
}

#[test]
fn a_damaged_entry_is_ignored_and_replaced() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("connector.yaml");
    let cache = tmp.path().join("cache");
    std::fs::write(&file, base().to_string()).expect("write");
    load_path_cached(&file, &cache).expect("loads");
    let entry = entries(&cache).pop().expect("an entry");
    let good = std::fs::read(&entry).expect("read");

    // Cut short, emptied or foreign: none of them is used.
    for damaged in [
        good[..good.len() / 2].to_vec(),
        Vec::new(),
        b"not an entry".to_vec(),
    ] {
        std::fs::write(&entry, &damaged).expect("write");
        let def = load_path_cached(&file, &cache).expect("loads despite the entry");
        assert_eq!(def.title, "Test API");
        assert_eq!(std::fs::read(&entry).expect("read"), good, "rewritten");
    }
}

#[test]
fn bad_definitions_fail_alike_and_are_not_cached() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("connector.yaml");
    let cache = tmp.path().join("cache");
    for text in ["a: 1\na: 2\n", "", "openapi: 3.0.0\n"] {
        std::fs::write(&file, text).expect("write");
        let plain = load_path(&file).expect_err("invalid");
        let cached = load_path_cached(&file, &cache).expect_err("invalid");
        assert_eq!(cached.to_string(), plain.to_string());
        assert!(matches!(cached, Error::Definition { .. }));
    }
    // The third text parses (and is cached); the model refuses it on
    // every load, cached or not.
    assert_eq!(entries(&cache).len(), 1);
    let again = load_path_cached(&file, &cache).expect_err("still invalid");
    assert!(again.to_string().contains("only 3.1.x"), "{again}");
}

#[test]
fn an_unusable_cache_directory_is_ignored() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("connector.yaml");
    std::fs::write(&file, base().to_string()).expect("write");
    // A file where the directory should be: nothing can be written.
    let blocked = tmp.path().join("blocked");
    std::fs::write(&blocked, "x").expect("write");
    let def = load_path_cached(&file, blocked.join("cache")).expect("loads");
    assert_eq!(def.title, "Test API");
}
