//! Every upstream definition shipped with the reference packages loads, and
//! the totals match what the files declare.

use std::collections::BTreeMap;

use airbyte_agent_sdk::definition::{self, Action, HttpMethod};
use airbyte_agent_testkit::reference::{Version, specs_dir};

fn load_all(version: Version) -> Option<Vec<definition::ConnectorDefinition>> {
    let dir = specs_dir(version)?;
    let mut defs = Vec::new();
    let mut failures = Vec::new();
    for (file, result) in definition::load_dir_each(&dir).expect("specs dir readable") {
        match result {
            Ok(d) => defs.push(d),
            Err(e) => failures.push(format!("{}: {e}", file.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "definitions failed to load:\n{}",
        failures.join("\n")
    );
    Some(defs)
}

#[test]
fn all_0_1_380_definitions_load_with_expected_totals() {
    let Some(defs) = load_all(Version::V0_1_380) else {
        return;
    };
    assert_eq!(defs.len(), 56);
    let ops: Vec<_> = defs.iter().flat_map(|d| d.declared_operations()).collect();
    assert_eq!(ops.len(), 1300);
    // One upstream pair is declared twice (zendesk-support ticket_audits.list);
    // the later declaration wins, as in the reference.
    let executable: usize = defs.iter().map(|d| d.operations().count()).sum();
    assert_eq!(executable, 1299);

    let mut methods: BTreeMap<&str, usize> = BTreeMap::new();
    let mut actions: BTreeMap<&str, usize> = BTreeMap::new();
    for op in &ops {
        *methods.entry(op.method.as_str()).or_default() += 1;
        *actions.entry(op.action.as_str()).or_default() += 1;
    }
    let count = |m: &BTreeMap<&str, usize>, k: &str| m.get(k).copied().unwrap_or(0);
    assert_eq!(count(&methods, HttpMethod::Get.as_str()), 866);
    assert_eq!(count(&methods, HttpMethod::Post.as_str()), 332);
    assert_eq!(count(&methods, HttpMethod::Patch.as_str()), 37);
    assert_eq!(count(&methods, HttpMethod::Put.as_str()), 25);
    assert_eq!(count(&methods, HttpMethod::Delete.as_str()), 40);
    assert_eq!(count(&actions, Action::List.as_str()), 594);
    assert_eq!(count(&actions, Action::Get.as_str()), 381);
    assert_eq!(count(&actions, Action::Create.as_str()), 142);
    assert_eq!(count(&actions, Action::Update.as_str()), 89);
    assert_eq!(count(&actions, Action::Delete.as_str()), 55);
    assert_eq!(count(&actions, Action::Search.as_str()), 29);
    assert_eq!(count(&actions, Action::Download.as_str()), 10);
}

#[test]
fn all_0_1_47_definitions_load() {
    let Some(defs) = load_all(Version::V0_1_47) else {
        return;
    };
    assert_eq!(defs.len(), 51);
    let ops: Vec<_> = defs.iter().flat_map(|d| d.declared_operations()).collect();
    assert_eq!(ops.len(), 1050);
    let by_method = |m: HttpMethod| ops.iter().filter(|o| o.method == m).count();
    assert_eq!(
        [
            HttpMethod::Get,
            HttpMethod::Post,
            HttpMethod::Put,
            HttpMethod::Patch,
            HttpMethod::Delete
        ]
        .map(by_method),
        [763, 240, 21, 13, 13]
    );
    let by_action = |a: Action| ops.iter().filter(|o| o.action == a).count();
    assert_eq!(
        [
            Action::List,
            Action::Get,
            Action::Create,
            Action::Update,
            Action::Delete,
            Action::Search,
            Action::Download
        ]
        .map(by_action),
        [515, 343, 89, 47, 16, 29, 11]
    );
    // 0.1.47 spells search `api_search`.
    assert_eq!(
        ops.iter()
            .filter(|o| o.declared_action == "api_search")
            .count(),
        29
    );
}

#[test]
fn upstream_definitions_lint_without_errors() {
    for version in [Version::V0_1_380, Version::V0_1_47] {
        let Some(defs) = load_all(version) else {
            return;
        };
        let mut errors = Vec::new();
        let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
        for def in &defs {
            let report = definition::lint(def);
            for f in &report.findings {
                *by_code.entry(f.code).or_default() += 1;
                if std::env::var_os("LINT_VERBOSE").is_some() {
                    eprintln!("{}: {f}", def.name);
                }
            }
            errors.extend(
                report
                    .with_severity(definition::Severity::Error)
                    .map(|f| format!("{}: {f}", def.name)),
            );
        }
        eprintln!("{version:?} lint findings by code: {by_code:?}");
        assert!(errors.is_empty(), "lint errors:\n{}", errors.join("\n"));
        // Every extension and field upstream uses is known to the loader.
        // The only warnings are real oddities of the upstream files:
        // zendesk-support declares ticket_audits.list twice, and
        // amazon-seller-partner's `region` default is not among its enum values.
        let warnings: Vec<&str> = by_code
            .keys()
            .copied()
            .filter(|c| {
                ![
                    "duplicate-action",
                    "server-variable-default",
                    "no-check-operation",
                    "no-pagination-info",
                ]
                .contains(c)
            })
            .collect();
        assert!(
            warnings.is_empty(),
            "unexpected lint findings: {warnings:?}"
        );
    }
}
