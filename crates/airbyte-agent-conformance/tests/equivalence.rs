//! Equivalence of our bundled connector definitions with the upstream ones
//! (reference 0.1.380), through the reference's own `LocalExecutor`.
//!
//! `bundled_definitions_match_upstream` covers every
//! `crates/airbyte-agent-connectors/definitions/<slug>.yaml`; the other
//! test proves the harness itself: an unchanged copy of an upstream
//! definition is identical in every case, and a changed one is caught.

use std::path::Path;

use airbyte_agent_conformance::equivalence::{
    self, AllowedDifference, AllowedDifferences, EquivalenceReport, Pair,
};
use airbyte_agent_testkit::reference::{self, Version};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundled_definitions_match_upstream() {
    let allowed = AllowedDifferences::load(&AllowedDifferences::default_path())
        .expect("equivalence-allowed.json parses");
    let files = equivalence::definition_files(&equivalence::bundled_definitions_dir())
        .expect("definitions directory readable");
    if files.is_empty() {
        assert!(
            allowed.entries.is_empty(),
            "equivalence-allowed.json has entries but there are no bundled definitions"
        );
        return;
    }
    let Some(python) = reference::python(Version::V0_1_380) else {
        return;
    };
    let specs = reference::specs_dir(Version::V0_1_380).expect("reference specs directory");
    let pairs: Vec<Pair> = files
        .iter()
        .map(|(slug, path)| Pair::load(slug, &specs, path).expect("definition pair loads"))
        .collect();
    let scratch = tempfile::tempdir().expect("scratch dir");
    let run = equivalence::run(&python, &pairs, &allowed, scratch.path())
        .await
        .expect("both sides ran");
    let report = &run.report;
    eprintln!("{}", report.text());
    assert_eq!(
        run.upstream.len(),
        run.cases.len(),
        "upstream side ran every case"
    );
    assert_eq!(run.ours.len(), run.cases.len(), "our side ran every case");
    let failures = report.failures();
    assert!(
        failures.is_empty(),
        "{} failure(s) (missing operations, or differences not in equivalence-allowed.json):\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let stale: Vec<&Vec<String>> = report
        .stale_entries(&allowed)
        .iter()
        .map(|e| &e.cases)
        .collect();
    assert!(
        stale.is_empty(),
        "allowed entries that excuse nothing: {stale:?}"
    );
}

/// Writes `doc` as JSON (which is YAML) to `dir/<slug>.yaml`.
fn write_definition(dir: &Path, slug: &str, doc: &Value) {
    std::fs::write(
        dir.join(format!("{slug}.yaml")),
        serde_json::to_string_pretty(doc).expect("json"),
    )
    .expect("write definition");
}

fn connector<'a>(
    report: &'a EquivalenceReport,
    slug: &str,
) -> &'a equivalence::ConnectorEquivalence {
    report
        .connectors
        .iter()
        .find(|c| c.slug == slug)
        .expect("connector in report")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_is_identical_and_a_change_is_caught() {
    let Some(python) = reference::python(Version::V0_1_380) else {
        return;
    };
    let specs = reference::specs_dir(Version::V0_1_380).expect("reference specs directory");
    let ours = tempfile::tempdir().expect("temp dir");
    // An unchanged copy of the file, byte for byte.
    std::fs::copy(
        specs.join("airtable/connector.yaml"),
        ours.path().join("airtable.yaml"),
    )
    .expect("copy airtable");
    // A changed one: `notes get` dropped, `notes list`'s `page_size` renamed.
    let granola = specs.join("granola/connector.yaml");
    let mut doc: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&granola).expect("read granola"))
            .expect("parse granola");
    let paths = doc["paths"].as_object_mut().expect("paths");
    let mut dropped = false;
    let mut renamed = false;
    for item in paths.values_mut() {
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        if ops.get("get").and_then(|o| o.get("x-airbyte-action")) == Some(&Value::from("get")) {
            ops.remove("get");
            dropped = true;
            continue;
        }
        for op in ops.values_mut() {
            for param in op["parameters"].as_array_mut().into_iter().flatten() {
                if param["name"] == "page_size" {
                    param["name"] = Value::from("limit");
                    renamed = true;
                }
            }
        }
    }
    assert!(dropped && renamed, "granola changed as intended");
    write_definition(ours.path(), "granola", &doc);

    let files = equivalence::definition_files(ours.path()).expect("list");
    assert_eq!(
        files.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(),
        ["airtable", "granola"]
    );
    let pairs: Vec<Pair> = files
        .iter()
        .map(|(slug, path)| Pair::load(slug, &specs, path).expect("pair"))
        .collect();
    let allowed = AllowedDifferences {
        entries: vec![AllowedDifference {
            cases: vec!["granola/notes/list/*".into()],
            difference_contains: Some("query".into()),
            reason: "renamed on purpose in this test".into(),
        }],
    };
    let scratch = tempfile::tempdir().expect("scratch");
    let run = equivalence::run(&python, &pairs, &allowed, scratch.path())
        .await
        .expect("both sides ran");
    let report = &run.report;
    eprintln!("{}", report.text());

    let airtable = connector(report, "airtable");
    assert_eq!(airtable.operations, 4);
    assert_eq!(airtable.identical_operations, 4, "{}", airtable.line());
    assert_eq!(airtable.identical_cases, airtable.cases);
    assert!(airtable.differences.is_empty() && airtable.missing.is_empty());

    let granola = connector(report, "granola");
    assert_eq!(granola.missing, ["notes/get"]);
    assert_eq!(granola.operations, 2);
    assert_eq!(granola.identical_operations, 0, "{}", granola.line());
    let query_diffs: Vec<_> = granola
        .differences
        .iter()
        .filter(|d| d.case.starts_with("granola/notes/list/") && d.what.contains("query"))
        .collect();
    assert!(!query_diffs.is_empty(), "{}", report.text());
    assert!(query_diffs.iter().all(|d| d.allowed.is_some()));
    assert!(
        report
            .text()
            .contains("airtable: 4 identical / 4 operations"),
        "{}",
        report.text()
    );
    // The missing operation fails even though the query difference is allowed.
    let failures = report.failures();
    assert!(
        failures
            .iter()
            .any(|f| f == "granola/notes/get: operation missing from our definition"),
        "{failures:?}"
    );
    assert!(report.stale_entries(&allowed).is_empty());
    let unused = AllowedDifferences {
        entries: vec![AllowedDifference {
            cases: vec!["airtable/*".into()],
            difference_contains: None,
            reason: "nothing differs here".into(),
        }],
    };
    assert_eq!(report.stale_entries(&unused).len(), 1);
}
