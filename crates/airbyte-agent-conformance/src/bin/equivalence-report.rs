//! Compares our bundled connector definitions with the upstream ones: every
//! case generated from the upstream definition runs through the Python
//! reference's `LocalExecutor` once with each definition, against recording
//! servers on 127.0.0.1, and the requests and results are compared.
//!
//! Usage: `equivalence-report [--definitions DIR] [--allowed FILE] [--dump DIR] [CONNECTOR...]`
//!
//! - `CONNECTOR`: slugs to check (default: every `DIR/<slug>.yaml`).
//! - `--definitions DIR`: where our definitions are
//!   (default `crates/airbyte-agent-connectors/definitions`).
//! - `--allowed FILE`: accepted differences
//!   (default `crates/airbyte-agent-connectors/equivalence-allowed.json`).
//! - `--dump DIR`: writes the cases, both sides' observations and the report as JSON.
//!
//! Prints `slug: N identical / M operations ...` per connector, then every
//! missing operation and difference; exits 1 when an operation is missing
//! or a difference is not allowed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use airbyte_agent_conformance::equivalence::{self, AllowedDifferences, Pair};
use airbyte_agent_testkit::reference::{self, Version};

struct Args {
    definitions: PathBuf,
    allowed: PathBuf,
    dump: Option<PathBuf>,
    connectors: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        definitions: equivalence::bundled_definitions_dir(),
        allowed: AllowedDifferences::default_path(),
        dump: None,
        connectors: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .map(PathBuf::from)
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match arg.as_str() {
            "--definitions" => args.definitions = value("--definitions")?,
            "--allowed" => args.allowed = value("--allowed")?,
            "--dump" => args.dump = Some(value("--dump")?),
            "-h" | "--help" => {
                return Err(
                    "usage: equivalence-report [--definitions DIR] [--allowed FILE] [--dump DIR] [CONNECTOR...]"
                        .into(),
                );
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            slug => args.connectors.push(slug.to_string()),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("equivalence-report: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("equivalence-report: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: &Args) -> Result<bool, String> {
    let python = reference::python(Version::V0_1_380)
        .ok_or("the Python reference 0.1.380 is not installed (run ./scripts/setup-reference)")?;
    let specs = reference::specs_dir(Version::V0_1_380).ok_or("reference specs not found")?;
    let mut files = equivalence::definition_files(&args.definitions)?;
    if !args.connectors.is_empty() {
        for slug in &args.connectors {
            if !files.iter().any(|(s, _)| s == slug) {
                return Err(format!(
                    "no definition {}/{slug}.yaml",
                    args.definitions.display()
                ));
            }
        }
        files.retain(|(s, _)| args.connectors.contains(s));
    }
    if files.is_empty() {
        return Err(format!(
            "no definitions under {}",
            args.definitions.display()
        ));
    }
    let pairs = files
        .iter()
        .map(|(slug, path)| Pair::load(slug, &specs, path))
        .collect::<Result<Vec<_>, _>>()?;
    let allowed = AllowedDifferences::load(&args.allowed)?;
    let scratch = tempdir()?;
    let started = std::time::Instant::now();
    let outcome = equivalence::run(&python, &pairs, &allowed, &scratch).await;
    let _ = std::fs::remove_dir_all(&scratch);
    let run = outcome?;
    eprintln!(
        "{} cases, each with both definitions, in {:.1}s",
        run.cases.len(),
        started.elapsed().as_secs_f64()
    );
    print!("{}", run.report.text());
    if let Some(dir) = &args.dump {
        dump(dir, &run)?;
    }
    let failures = run.report.failures();
    let stale = run.report.stale_entries(&allowed);
    for entry in &stale {
        eprintln!(
            "{}: entry for {:?} allows nothing any more; remove it",
            args.allowed.display(),
            entry.cases
        );
    }
    if !failures.is_empty() {
        eprintln!(
            "{} failure(s): missing operations or differences not in {}",
            failures.len(),
            args.allowed.display()
        );
    }
    Ok(failures.is_empty() && stale.is_empty())
}

fn tempdir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("airbyte-equivalence-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn dump(dir: &Path, run: &equivalence::EquivalenceRun) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let write = |name: &str, value: serde_json::Value| {
        let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
        std::fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"))
    };
    let sorted = |m: &std::collections::HashMap<String, _>| {
        let mut v: Vec<(&String, &airbyte_agent_conformance::observe::Observation)> =
            m.iter().collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        serde_json::to_value(v).unwrap_or_default()
    };
    write(
        "cases.json",
        serde_json::to_value(&run.cases).map_err(|e| e.to_string())?,
    )?;
    write("upstream.json", sorted(&run.upstream))?;
    write("ours.json", sorted(&run.ours))?;
    write(
        "report.json",
        serde_json::to_value(&run.report).map_err(|e| e.to_string())?,
    )?;
    eprintln!("wrote {}", dir.display());
    Ok(())
}
