//! Equivalence of our own connector definitions with the upstream ones.
//!
//! For a connector we bundle (`crates/airbyte-agent-connectors/definitions/
//! <slug>.yaml`), the cases are generated from the **upstream** definition
//! of the same slug (the ordinary case generator), then every case runs
//! through the Python reference's `LocalExecutor` twice: once with the
//! upstream definition and once with ours, each against its own recording
//! server on 127.0.0.1. What reached the servers (method, path, sorted
//! query, headers, body) and the results (data, meta, error kind) must be
//! the same. Every upstream entity/action must exist in ours; ours may add
//! more.
//!
//! Running the reference on both sides (not our executor) keeps the
//! question to "do the two definitions say the same thing", independent of
//! how far our executor conforms.

mod allowed;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub use allowed::{AllowedDifference, AllowedDifferences};

use crate::cases::Case;
use crate::observe::Observation;
use crate::report::differences_between;
use crate::run::{Session, Suite};
use crate::spec::RawSpec;

/// The directory holding our bundled definitions, `<slug>.yaml` each.
pub fn bundled_definitions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../airbyte-agent-connectors/definitions")
}

/// Every `<slug>.yaml` under `dir`, sorted by slug; an absent directory has none.
pub fn definition_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "yaml")
            && let Some(stem) = path.file_stem()
        {
            out.push((stem.to_string_lossy().into_owned(), path));
        }
    }
    out.sort();
    Ok(out)
}

/// One connector's two definitions.
#[derive(Debug, Clone)]
pub struct Pair {
    /// The upstream definition (cases come from it).
    pub upstream: RawSpec,
    /// Ours, carrying the upstream slug so both sides run the same cases.
    pub ours: RawSpec,
}

impl Pair {
    /// Loads our definition at `ours` and the upstream one with the same
    /// slug from the reference's `specs_dir`.
    pub fn load(slug: &str, specs_dir: &Path, ours: &Path) -> Result<Self, String> {
        let upstream_file = specs_dir.join(slug).join("connector.yaml");
        if !upstream_file.is_file() {
            return Err(format!(
                "{}: no upstream definition named `{slug}` ({} does not exist); \
                 name the file after the upstream connector",
                ours.display(),
                upstream_file.display()
            ));
        }
        Ok(Self {
            upstream: RawSpec::load(slug, &upstream_file)?,
            ours: RawSpec::load(slug, ours)?,
        })
    }

    /// The slug.
    pub fn slug(&self) -> &str {
        &self.upstream.slug
    }
}

/// `entity/action` keys of a definition's operations.
fn operation_keys(spec: &RawSpec) -> BTreeSet<String> {
    spec.operations()
        .iter()
        .map(|o| format!("{}/{}", o.entity, o.action))
        .collect()
}

/// A difference found in one case.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Difference {
    /// Case id (`slug/entity/action/variant`).
    pub case: String,
    /// What differs, upstream first.
    pub what: String,
    /// The reason from the allowed file, when listed there.
    pub allowed: Option<String>,
}

/// The comparison for one connector.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ConnectorEquivalence {
    /// Connector slug.
    pub slug: String,
    /// Upstream operations.
    pub operations: usize,
    /// Upstream operations whose every case was identical with ours.
    pub identical_operations: usize,
    /// Upstream operations that differ only by allowed differences.
    pub allowed_operations: usize,
    /// Cases run.
    pub cases: usize,
    /// Cases identical.
    pub identical_cases: usize,
    /// Upstream `entity/action` pairs ours lacks (always failures).
    pub missing: Vec<String>,
    /// `entity/action` pairs only ours has (fine; not compared).
    pub extra: Vec<String>,
    /// Differences, in case order.
    pub differences: Vec<Difference>,
}

impl ConnectorEquivalence {
    /// The summary line: `slug: N identical / M operations ...`.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{}: {} identical / {} operations ({} / {} cases)",
            self.slug, self.identical_operations, self.operations, self.identical_cases, self.cases
        );
        if self.allowed_operations > 0 {
            let _ = write!(
                s,
                "; {} more with allowed differences only",
                self.allowed_operations
            );
        }
        if !self.missing.is_empty() {
            let _ = write!(s, "; {} MISSING", self.missing.len());
        }
        if !self.extra.is_empty() {
            let _ = write!(s, "; {} extra", self.extra.len());
        }
        s
    }
}

/// The comparison of every connector run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct EquivalenceReport {
    /// Per connector, by slug.
    pub connectors: Vec<ConnectorEquivalence>,
}

impl EquivalenceReport {
    /// Compares the observations of both sides, case by case.
    pub fn build(
        pairs: &[Pair],
        cases: &[Case],
        upstream: &HashMap<String, Observation>,
        ours: &HashMap<String, Observation>,
        allowed: &AllowedDifferences,
    ) -> Self {
        let mut connectors = Vec::new();
        for pair in pairs {
            let slug = pair.slug();
            let up_ops = operation_keys(&pair.upstream);
            let our_ops = operation_keys(&pair.ours);
            let missing: Vec<String> = up_ops.difference(&our_ops).cloned().collect();
            let mut c = ConnectorEquivalence {
                slug: slug.to_string(),
                missing: missing.clone(),
                extra: our_ops.difference(&up_ops).cloned().collect(),
                ..Default::default()
            };
            // Per operation key: (all identical, all identical-or-allowed).
            let mut ops: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
            for case in cases.iter().filter(|c| c.connector == slug) {
                c.cases += 1;
                let is_missing = missing.iter().any(|m| {
                    case.operation
                        .strip_prefix(slug)
                        .and_then(|rest| rest.strip_prefix('/'))
                        .is_some_and(|op| op.split('#').next() == Some(m.as_str()))
                });
                let found = match (upstream.get(&case.id), ours.get(&case.id)) {
                    (Some(u), Some(o)) => differences_between(u, o, ("upstream", "ours")),
                    _ => vec!["not run on both sides".to_string()],
                };
                let mut all_allowed = !is_missing;
                // A missing operation is reported once, not case by case.
                if !is_missing {
                    for what in found.iter() {
                        let reason = allowed.find(&case.id, what).map(|a| a.reason.clone());
                        all_allowed &= reason.is_some();
                        c.differences.push(Difference {
                            case: case.id.clone(),
                            what: what.clone(),
                            allowed: reason,
                        });
                    }
                }
                let identical = found.is_empty() && !is_missing;
                if identical {
                    c.identical_cases += 1;
                }
                if !case.operation.is_empty() {
                    let e = ops.entry(&case.operation).or_insert((true, true));
                    e.0 &= identical;
                    e.1 &= all_allowed;
                }
            }
            c.operations = ops.len();
            c.identical_operations = ops.values().filter(|(i, _)| *i).count();
            c.allowed_operations = ops.values().filter(|(i, a)| !*i && *a).count();
            connectors.push(c);
        }
        Self { connectors }
    }

    /// Failures: missing operations and differences not in the allowed file.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in &self.connectors {
            for m in &c.missing {
                out.push(format!(
                    "{}/{m}: operation missing from our definition",
                    c.slug
                ));
            }
            for d in c.differences.iter().filter(|d| d.allowed.is_none()) {
                out.push(format!("{}: {}", d.case, d.what));
            }
        }
        out
    }

    /// Allowed-file entries that excuse no difference of this run.
    pub fn stale_entries<'a>(&self, allowed: &'a AllowedDifferences) -> Vec<&'a AllowedDifference> {
        let differences: Vec<&Difference> = self
            .connectors
            .iter()
            .flat_map(|c| c.differences.iter())
            .collect();
        let run: BTreeSet<&str> = self.connectors.iter().map(|c| c.slug.as_str()).collect();
        allowed
            .entries
            .iter()
            // Only entries about connectors of this run can be judged.
            .filter(|e| {
                e.cases
                    .iter()
                    .any(|p| run.iter().any(|s| p.starts_with(&format!("{s}/"))))
            })
            .filter(|e| !differences.iter().any(|d| e.matches(&d.case, &d.what)))
            .collect()
    }

    /// The plain-text report: one summary line per connector, then every
    /// missing operation and difference.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for c in &self.connectors {
            let _ = writeln!(out, "{}", c.line());
        }
        for c in &self.connectors {
            if c.missing.is_empty() && c.differences.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{} (upstream vs ours):", c.slug);
            for m in &c.missing {
                let _ = writeln!(out, "  MISSING {m}");
            }
            for d in &c.differences {
                match &d.allowed {
                    Some(reason) => {
                        let _ = writeln!(out, "  allowed {}: {} [{reason}]", d.case, d.what);
                    }
                    None => {
                        let _ = writeln!(out, "  DIFFERS {}: {}", d.case, d.what);
                    }
                }
            }
            if !c.extra.is_empty() {
                let _ = writeln!(out, "  extra in ours: {}", c.extra.join(", "));
            }
        }
        out
    }
}

/// Everything one equivalence run produced.
pub struct EquivalenceRun {
    /// The cases, generated from the upstream definitions.
    pub cases: Vec<Case>,
    /// Observations with the upstream definitions.
    pub upstream: HashMap<String, Observation>,
    /// Observations with ours.
    pub ours: HashMap<String, Observation>,
    /// The comparison.
    pub report: EquivalenceReport,
}

/// Runs every case of every pair through the reference twice (upstream and
/// ours, at the same time, each against its own server) and compares.
///
/// `python` is the reference 0.1.380 interpreter; `scratch` receives the
/// rewritten definitions and driver files.
pub async fn run(
    python: &Path,
    pairs: &[Pair],
    allowed: &AllowedDifferences,
    scratch: &Path,
) -> Result<EquivalenceRun, String> {
    let upstream_specs: Vec<RawSpec> = pairs.iter().map(|p| p.upstream.clone()).collect();
    let cases: Vec<Case> = upstream_specs
        .iter()
        .flat_map(crate::cases::generate)
        .collect();
    let upstream_suite = Suite {
        specs: upstream_specs,
        cases: cases.clone(),
    };
    let our_suite = Suite {
        specs: pairs.iter().map(|p| p.ours.clone()).collect(),
        cases: cases.clone(),
    };
    let upstream_session = Session::start(&upstream_suite, &scratch.join("upstream")).await?;
    let our_session = Session::start(&our_suite, &scratch.join("ours")).await?;
    let (upstream, ours) = tokio::join!(
        upstream_session.run_reference(python),
        our_session.run_reference(python)
    );
    let (upstream, _) = upstream.map_err(|e| format!("upstream side: {e}"))?;
    let (ours, _) = ours.map_err(|e| format!("our side: {e}"))?;
    let report = EquivalenceReport::build(pairs, &cases, &upstream, &ours, allowed);
    Ok(EquivalenceRun {
        cases,
        upstream,
        ours,
        report,
    })
}
