//! Running the cases on both sides against one [`CaseServer`].

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use crate::cases::{Case, SERVER};
use crate::definitions;
use crate::observe::{Observation, Outcome, WireRequest};
use crate::reference::{self, ReferenceRecord};
use crate::server::{CaseServer, split_by_case};
use crate::spec::RawSpec;

/// How long one case may take on our side (the driver uses the same limit).
const CASE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A boxed future returned by a [`Subject`].
pub type OutcomeFuture<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// An executor under test, driven one case at a time.
///
/// The implementation builds its executor from `definition` (the rewritten
/// definition file, whose URLs already point at the recording server), the
/// case's `auth` fields (and `auth_scheme` when set) and `config` values,
/// runs `entity`/`action` with `params` (`download` actions through the
/// executor's download and the bytes as `{"bytes_hex": ...}`), and maps the
/// result to an [`Outcome`] with our `ErrorKind` names.
pub trait Subject: Sync {
    /// Executes one case.
    fn run<'a>(&'a self, case: &'a Case, definition: &'a Path) -> OutcomeFuture<'a>;
}

/// Everything needed to run the suite: the definitions and their cases.
pub struct Suite {
    /// Parsed upstream definitions.
    pub specs: Vec<RawSpec>,
    /// Every case, in generation order.
    pub cases: Vec<Case>,
}

impl Suite {
    /// Loads every definition under `specs_dir` and generates the cases.
    pub fn load(specs_dir: &Path) -> Result<Self, String> {
        let specs = RawSpec::load_dir(specs_dir)?;
        let cases = specs.iter().flat_map(crate::cases::generate).collect();
        Ok(Self { specs, cases })
    }

    /// Keeps only the definitions (and their cases) whose slug is in `slugs`.
    pub fn retain_connectors(&mut self, slugs: &[String]) {
        self.specs.retain(|s| slugs.contains(&s.slug));
        self.cases.retain(|c| slugs.contains(&c.connector));
    }

    /// Number of operations.
    pub fn operation_count(&self) -> usize {
        self.specs.iter().map(|s| s.operations().len()).sum()
    }
}

/// A started server with the definitions rewritten for it.
///
/// Each side gets its own session (server and definition copies), so both
/// sides can run at the same time; observations are reported with the
/// origin replaced by [`SERVER`].
pub struct Session {
    server: CaseServer,
    cases: Vec<Case>,
    definitions: BTreeMap<String, PathBuf>,
    scratch: PathBuf,
}

impl Session {
    /// Starts the server and writes the rewritten definitions under `scratch`.
    pub async fn start(suite: &Suite, scratch: &Path) -> Result<Self, String> {
        let server = CaseServer::start(&suite.cases).await;
        let origin = server.origin();
        let cases: Vec<Case> = suite
            .cases
            .iter()
            .map(|c| with_origin(c, &origin))
            .collect::<Result<_, _>>()?;
        // Executors get cases holding the real origin (config values); the
        // server substitutes it in canned responses itself.
        let defs_dir = scratch.join("definitions");
        let definitions = definitions::write_all(&suite.specs, &origin, &defs_dir)
            .map_err(|e| format!("{}: {e}", defs_dir.display()))?;
        Ok(Self {
            server,
            cases,
            definitions,
            scratch: scratch.to_path_buf(),
        })
    }

    /// The cases with the server origin filled in.
    pub fn cases(&self) -> &[Case] {
        &self.cases
    }

    /// Runs every case through the Python reference (one process).
    pub async fn run_reference(
        &self,
        python: &Path,
    ) -> Result<
        (
            HashMap<String, Observation>,
            HashMap<String, ReferenceRecord>,
        ),
        String,
    > {
        let python = python.to_path_buf();
        let origin = self.server.origin();
        let definitions = self.definitions.clone();
        let cases = self.cases.clone();
        let scratch = self.scratch.clone();
        self.server.take_requests();
        let records = tokio::task::spawn_blocking(move || {
            reference::run(&python, &origin, &definitions, &cases, &scratch)
        })
        .await
        .map_err(|e| format!("reference driver task: {e}"))??;
        let mut by_case = split_by_case(self.server.take_requests());
        let mut out = HashMap::new();
        for case in &self.cases {
            let requests = by_case
                .remove(&case.id)
                .unwrap_or_default()
                .iter()
                .map(WireRequest::from_recorded)
                .collect();
            let outcome = match records.get(&case.id) {
                Some(r) => r.outcome(),
                None => Outcome {
                    error_kind: Some("Harness:no-reference-record".into()),
                    error_message: None,
                    data: serde_json::Value::Null,
                    meta: serde_json::Value::Null,
                },
            };
            out.insert(
                case.id.clone(),
                self.without_origin(Observation { requests, outcome }),
            );
        }
        Ok((out, records))
    }

    /// Runs every case through `subject`, one at a time.
    pub async fn run_subject(&self, subject: &dyn Subject) -> HashMap<String, Observation> {
        let mut out = HashMap::new();
        for case in &self.cases {
            self.server.select(&case.id);
            let Some(definition) = self.definitions.get(&case.connector) else {
                continue;
            };
            let outcome =
                match tokio::time::timeout(CASE_TIMEOUT, subject.run(case, definition)).await {
                    Ok(outcome) => outcome,
                    Err(_) => Outcome {
                        error_kind: Some("Harness:timeout".into()),
                        error_message: None,
                        data: serde_json::Value::Null,
                        meta: serde_json::Value::Null,
                    },
                };
            let requests = self
                .server
                .take_requests()
                .iter()
                .map(WireRequest::from_recorded)
                .collect();
            out.insert(
                case.id.clone(),
                self.without_origin(Observation { requests, outcome }),
            );
        }
        out
    }
}

impl Session {
    /// Replaces this server's origin by [`SERVER`] everywhere in an
    /// observation, so sides run against different servers compare equal.
    fn without_origin(&self, obs: Observation) -> Observation {
        let origin = self.server.origin();
        match serde_json::to_string(&obs) {
            Ok(text) if text.contains(&origin) => {
                serde_json::from_str(&text.replace(&origin, SERVER)).unwrap_or(obs)
            }
            _ => obs,
        }
    }
}

fn with_origin(case: &Case, origin: &str) -> Result<Case, String> {
    let text = serde_json::to_string(case).map_err(|e| e.to_string())?;
    serde_json::from_str(&text.replace(SERVER, origin)).map_err(|e| e.to_string())
}
