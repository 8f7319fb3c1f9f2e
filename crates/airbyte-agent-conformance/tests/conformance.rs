//! The differential conformance test: every operation of every upstream
//! definition (reference 0.1.380) through the Python reference and our
//! `LocalExecutor` against one recording server on 127.0.0.1.
//!
//! Fails when the identical counts drop below `baseline.json`, when a
//! difference (or a reference case not behaving as its variant expects) is
//! not listed in `known-differences.json`, or when an entry there no longer
//! excuses anything.

use airbyte_agent_conformance::expect::{Baseline, KnownDifferences};
use airbyte_agent_conformance::report::Report;
use airbyte_agent_conformance::run::{Session, Suite};
use airbyte_agent_testkit::reference::{self, Version};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_upstream_operation_matches_the_reference() {
    let Some(python) = reference::python(Version::V0_1_380) else {
        return;
    };
    let specs = reference::specs_dir(Version::V0_1_380).expect("reference specs directory");
    let suite = Suite::load(&specs).expect("upstream definitions parse");
    let operations = suite.operation_count();
    let full_cases = suite.cases.iter().filter(|c| c.variant == "full").count();
    assert_eq!(full_cases, operations, "every operation gets a valid case");

    let scratch = tempfile::tempdir().expect("scratch dir");
    // Each side against its own server, both at once.
    let reference_session = Session::start(&suite, &scratch.path().join("reference"))
        .await
        .expect("reference session");
    let our_session = Session::start(&suite, &scratch.path().join("ours"))
        .await
        .expect("our session");
    let (reference, (ours, via_json)) =
        tokio::join!(reference_session.run_reference(&python), async {
            let ours = airbyte_agent_conformance::ours::run(&our_session).await;
            let via_json = airbyte_agent_conformance::ours::run_json(&our_session).await;
            (ours, via_json)
        });
    let (reference, _) = reference.expect("reference driver ran");
    let ours = ours.expect("our LocalExecutor ran");

    // `execute_json` (typed connectors) sends the same requests and, once
    // converted back, gives the same results as `execute`, case by case.
    let (via_json, kept_as_text) = via_json.expect("our LocalExecutor ran via execute_json");
    let mut mismatched: Vec<&str> = ours
        .iter()
        .filter(|(id, seen)| via_json.get(*id) != Some(*seen))
        .map(|(id, _)| id.as_str())
        .collect();
    mismatched.sort_unstable();
    assert!(
        mismatched.is_empty(),
        "execute_json differs from execute in {} case(s), e.g. {:?}",
        mismatched.len(),
        &mismatched[..mismatched.len().min(20)]
    );
    eprintln!(
        "execute_json: {} cases identical to execute, {kept_as_text} with records left as JSON text",
        via_json.len()
    );
    assert!(
        kept_as_text > 100,
        "only {kept_as_text} results kept their records as text: the plain-path plan no longer applies"
    );
    assert_eq!(
        reference.len(),
        suite.cases.len(),
        "reference side ran every case"
    );
    assert_eq!(ours.len(), suite.cases.len(), "our side ran every case");

    let known =
        KnownDifferences::load(&KnownDifferences::default_path()).expect("known-differences.json");
    let baseline = Baseline::load(&Baseline::default_path()).expect("baseline.json");
    let report = Report::build(&suite.cases, &reference, Some(&ours), &known);
    let total = report.total();
    eprintln!("{}", report.text());

    assert_eq!(total.operations, operations);
    assert!(
        total.reference_as_expected >= baseline.reference_as_expected,
        "reference behaved as expected in {} cases, baseline {}",
        total.reference_as_expected,
        baseline.reference_as_expected
    );
    let ops_floor = baseline
        .identical_operations
        .expect("baseline has identical_operations");
    let cases_floor = baseline
        .identical_cases
        .expect("baseline has identical_cases");
    assert!(
        total.identical_operations >= ops_floor,
        "{} identical / {} operations, baseline {ops_floor}",
        total.identical_operations,
        total.operations
    );
    assert!(
        total.identical_cases >= cases_floor,
        "{} identical cases, baseline {cases_floor}",
        total.identical_cases
    );

    let conformant_ops_floor = baseline
        .conformant_operations
        .expect("baseline has conformant_operations");
    assert!(
        total.conformant_operations >= conformant_ops_floor,
        "{} conformant / {} operations, baseline {conformant_ops_floor}",
        total.conformant_operations,
        total.operations
    );

    let unexplained = report.unexplained();
    let listing: Vec<String> = unexplained
        .iter()
        .take(30)
        .map(|f| format!("{}: {}", f.case, f.what))
        .collect();
    assert!(
        unexplained.is_empty(),
        "{} finding(s) not in known-differences.json, e.g.:\n{}",
        unexplained.len(),
        listing.join("\n")
    );
    let stale: Vec<&str> = report
        .stale_entries(&known)
        .iter()
        .map(|e| e.category.as_str())
        .collect();
    assert!(
        stale.is_empty(),
        "known-differences.json entries that excuse nothing: {stale:?}"
    );
}
