//! Runs the conformance suite and prints `N identical / M operations` per
//! connector and in total; writes the markdown report next to the crate.
//!
//! Usage: `conformance-report [--no-write] [--dump DIR] [--connector SLUG]...`
//!
//! `--dump DIR` writes the cases and both sides' observations as JSON;
//! `--connector` limits the run (and implies `--no-write`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use airbyte_agent_conformance::expect::KnownDifferences;
use airbyte_agent_conformance::report::Report;
use airbyte_agent_conformance::run::{Session, Suite};
use airbyte_agent_testkit::reference::{self, Version};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let connectors: Vec<String> = args
        .iter()
        .enumerate()
        .filter(|(_, a)| *a == "--connector")
        .filter_map(|(i, _)| args.get(i + 1).cloned())
        .collect();
    let write = !args.iter().any(|a| a == "--no-write") && connectors.is_empty();
    let dump = args
        .iter()
        .position(|a| a == "--dump")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    match run(write, dump.as_deref(), &connectors).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("conformance-report: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(write: bool, dump: Option<&Path>, connectors: &[String]) -> Result<(), String> {
    let python = reference::python(Version::V0_1_380)
        .ok_or("the Python reference 0.1.380 is not installed")?;
    let specs = reference::specs_dir(Version::V0_1_380).ok_or("reference specs not found")?;
    let mut suite = Suite::load(&specs)?;
    if !connectors.is_empty() {
        suite.retain_connectors(connectors);
    }
    let scratch = std::env::temp_dir().join(format!("airbyte-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let reference_session = Session::start(&suite, &scratch.join("reference")).await?;
    let our_session = Session::start(&suite, &scratch.join("ours")).await?;
    let started = std::time::Instant::now();
    // Both sides at once, each against its own server: the Python process
    // and our executor use a core each.
    let (reference, ours) = tokio::join!(
        reference_session.run_reference(&python),
        airbyte_agent_conformance::ours::run(&our_session)
    );
    let (reference, _records) = reference?;
    eprintln!(
        "{} cases on both sides in {:.1}s",
        suite.cases.len(),
        started.elapsed().as_secs_f64()
    );
    let known = KnownDifferences::load(&KnownDifferences::default_path()).unwrap_or_default();
    let report = Report::build(&suite.cases, &reference, ours.as_ref(), &known);
    print!("{}", report.text());
    let unexplained = report.unexplained();
    if !unexplained.is_empty() {
        eprintln!(
            "{} finding(s) not listed in known-differences.json",
            unexplained.len()
        );
    }
    for entry in report.stale_entries(&known) {
        eprintln!(
            "known-differences.json: `{}` excuses nothing any more",
            entry.category
        );
    }
    if let Some(dir) = dump {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let cases = serde_json::to_string_pretty(&suite.cases).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("cases.json"), cases).map_err(|e| e.to_string())?;
        let mut obs: Vec<_> = reference.iter().collect();
        obs.sort_by(|a, b| a.0.cmp(b.0));
        let text = serde_json::to_string_pretty(&obs).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("reference.json"), text).map_err(|e| e.to_string())?;
        let findings = serde_json::json!({
            "reference": report.reference_findings,
            "differences": report.differences,
        });
        std::fs::write(
            dir.join("findings.json"),
            serde_json::to_string_pretty(&findings).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        if let Some(ours) = &ours {
            let mut obs: Vec<_> = ours.iter().collect();
            obs.sort_by(|a, b| a.0.cmp(b.0));
            let text = serde_json::to_string_pretty(&obs).map_err(|e| e.to_string())?;
            std::fs::write(dir.join("ours.json"), text).map_err(|e| e.to_string())?;
        }
    }
    if write {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("REPORT.md");
        std::fs::write(&path, report.markdown(&known)).map_err(|e| e.to_string())?;
        eprintln!("wrote {}", path.display());
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}
