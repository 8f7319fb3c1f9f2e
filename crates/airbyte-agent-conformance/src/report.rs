//! Comparing the two sides and summarizing per connector.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use crate::cases::Case;
use crate::expect::{KnownDifference, KnownDifferences, Side, reference_expectation};
use crate::observe::Observation;

/// Counts for one connector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Operations (entity × action).
    pub operations: usize,
    /// Operations whose every case was identical on both sides.
    pub identical_operations: usize,
    /// Cases (all variants, connector-level ones included).
    pub cases: usize,
    /// Cases identical on both sides.
    pub identical_cases: usize,
    /// Operations whose every case was identical or differs only by design.
    pub conformant_operations: usize,
    /// Cases identical or differing only by design (a `by_design` entry).
    pub conformant_cases: usize,
    /// Cases where the reference behaved as the variant expects.
    pub reference_as_expected: usize,
    /// Valid cases (`full`, `minimal`).
    pub valid_cases: usize,
    /// Valid cases the reference executed successfully.
    pub reference_valid_ok: usize,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.operations += other.operations;
        self.identical_operations += other.identical_operations;
        self.cases += other.cases;
        self.identical_cases += other.identical_cases;
        self.conformant_operations += other.conformant_operations;
        self.conformant_cases += other.conformant_cases;
        self.reference_as_expected += other.reference_as_expected;
        self.valid_cases += other.valid_cases;
        self.reference_valid_ok += other.reference_valid_ok;
    }
}

/// A case that did not come out as expected.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    /// Case id.
    pub case: String,
    /// What happened.
    pub what: String,
    /// The known-differences category excusing it, if listed.
    pub category: Option<String>,
}

/// The comparison of one run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Per connector slug.
    pub per_connector: BTreeMap<String, Counts>,
    /// Reference cases that did not behave as their variant expects.
    pub reference_findings: Vec<Finding>,
    /// Cases where the sides differ; `None` when our side did not run.
    pub differences: Option<Vec<Finding>>,
}

impl Report {
    /// Compares the observations of every case.
    pub fn build(
        cases: &[Case],
        reference: &HashMap<String, Observation>,
        ours: Option<&HashMap<String, Observation>>,
        known: &KnownDifferences,
    ) -> Self {
        let mut report = Report {
            differences: ours.map(|_| Vec::new()),
            ..Report::default()
        };
        // Per operation: (connector, all identical, all conformant).
        let mut ops: BTreeMap<String, (String, bool, bool)> = BTreeMap::new();
        for case in cases {
            let counts = report
                .per_connector
                .entry(case.connector.clone())
                .or_default();
            counts.cases += 1;
            let Some(r) = reference.get(&case.id) else {
                continue;
            };
            if matches!(case.variant.as_str(), "full" | "minimal") {
                counts.valid_cases += 1;
                if r.outcome.error_kind.is_none() {
                    counts.reference_valid_ok += 1;
                }
            }
            match reference_expectation(case, r) {
                Ok(()) => counts.reference_as_expected += 1,
                Err(what) => report.reference_findings.push(Finding {
                    case: case.id.clone(),
                    category: known
                        .find(Side::Reference, &case.id, &what)
                        .map(|k| k.category.clone()),
                    what,
                }),
            }
            let (identical, conformant) = match ours.and_then(|o| o.get(&case.id)) {
                Some(o) => {
                    let found = differences(r, o);
                    let mut by_design = true;
                    for what in &found {
                        let entry = known.find(Side::Differential, &case.id, what);
                        by_design &= entry.is_some_and(|k| k.by_design);
                        if let Some(diffs) = report.differences.as_mut() {
                            diffs.push(Finding {
                                case: case.id.clone(),
                                what: what.clone(),
                                category: entry.map(|k| k.category.clone()),
                            });
                        }
                    }
                    (found.is_empty(), by_design)
                }
                None => (false, false),
            };
            if identical {
                counts.identical_cases += 1;
            }
            if conformant {
                counts.conformant_cases += 1;
            }
            if !case.operation.is_empty() {
                let entry = ops.entry(case.operation.clone()).or_insert((
                    case.connector.clone(),
                    true,
                    true,
                ));
                entry.1 &= identical;
                entry.2 &= conformant;
            }
        }
        for (connector, all_identical, all_conformant) in ops.values() {
            let counts = report.per_connector.entry(connector.clone()).or_default();
            counts.operations += 1;
            if *all_identical {
                counts.identical_operations += 1;
            }
            if *all_conformant {
                counts.conformant_operations += 1;
            }
        }
        report
    }

    /// Sum over all connectors.
    pub fn total(&self) -> Counts {
        let mut t = Counts::default();
        self.per_connector.values().for_each(|c| t.add(c));
        t
    }

    /// Known-difference entries that excuse nothing any more (fixed or stale).
    pub fn stale_entries<'k>(&self, known: &'k KnownDifferences) -> Vec<&'k KnownDifference> {
        let used: BTreeSet<&str> = self
            .reference_findings
            .iter()
            .chain(self.differences.iter().flatten())
            .filter_map(|f| f.category.as_deref())
            .collect();
        known
            .entries
            .iter()
            .filter(|e| !used.contains(e.category.as_str()))
            .filter(|e| e.side == Side::Reference || self.differences.is_some())
            .collect()
    }

    /// Findings not excused by the known-differences file.
    pub fn unexplained(&self) -> Vec<&Finding> {
        self.reference_findings
            .iter()
            .chain(self.differences.iter().flatten())
            .filter(|f| f.category.is_none())
            .collect()
    }

    /// The plain-text summary printed by `conformance-report`.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let ours = self.differences.is_some();
        for (connector, c) in &self.per_connector {
            let _ = writeln!(out, "{}", line(connector, c, ours));
        }
        let _ = writeln!(out, "{}", line("TOTAL", &self.total(), ours));
        out
    }

    /// The markdown report, with the reasons of the known differences in use.
    pub fn markdown(&self, known: &KnownDifferences) -> String {
        let ours = self.differences.is_some();
        let t = self.total();
        let mut md = String::from("# Local-mode conformance report\n\n");
        md.push_str("Generated by `cargo run -p airbyte-agent-conformance --bin conformance-report`; do not edit.\n\n");
        if ours {
            let _ = writeln!(
                md,
                "**{} identical / {} operations** ({} / {} cases identical); {} operations ({} cases) conformant, i.e. identical or differing only by design (entries marked `by_design` below: ours does what the issue asks where the reference does not).\n",
                t.identical_operations,
                t.operations,
                t.identical_cases,
                t.cases,
                t.conformant_operations,
                t.conformant_cases
            );
        } else {
            md.push_str(
                "Our side was not run (no `LocalExecutor` wired in); reference side only.\n\n",
            );
        }
        let _ = writeln!(
            md,
            "The reference executed {} / {} valid cases ({:.1}%) and behaved as the variant expects in {} / {} cases ({:.1}%; the rest are listed below with their reasons).\n",
            t.reference_valid_ok,
            t.valid_cases,
            percent(t.reference_valid_ok, t.valid_cases),
            t.reference_as_expected,
            t.cases,
            percent(t.reference_as_expected, t.cases)
        );
        md.push_str("| connector | identical ops | conformant ops | ops | identical cases | cases | reference as expected |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (name, c) in &self.per_connector {
            let ident = |n: usize| if ours { n.to_string() } else { "-".into() };
            let _ = writeln!(
                md,
                "| {name} | {} | {} | {} | {} | {} | {} |",
                ident(c.identical_operations),
                ident(c.conformant_operations),
                c.operations,
                ident(c.identical_cases),
                c.cases,
                c.reference_as_expected
            );
        }
        let used: BTreeSet<&str> = self
            .reference_findings
            .iter()
            .chain(self.differences.iter().flatten())
            .filter_map(|f| f.category.as_deref())
            .collect();
        md.push_str("\n## Known differences\n\n");
        for entry in known
            .entries
            .iter()
            .filter(|e| used.contains(e.category.as_str()))
        {
            let _ = writeln!(
                md,
                "- **{}** ({:?}{}): {}",
                entry.category,
                entry.side,
                if entry.by_design { ", by design" } else { "" },
                entry.reason
            );
        }
        section(
            &mut md,
            "Reference cases not as expected",
            &self.reference_findings,
        );
        if let Some(diffs) = &self.differences {
            section(&mut md, "Differences between the reference and ours", diffs);
        }
        md
    }
}

fn line(name: &str, c: &Counts, ours: bool) -> String {
    let reference = format!(
        "reference: {}/{} valid cases ok, {}/{} cases as expected",
        c.reference_valid_ok, c.valid_cases, c.reference_as_expected, c.cases
    );
    if ours {
        format!(
            "{name:<28} {} identical / {} operations, {} conformant ({}/{} cases identical, {} conformant; {reference})",
            c.identical_operations,
            c.operations,
            c.conformant_operations,
            c.identical_cases,
            c.cases,
            c.conformant_cases
        )
    } else {
        format!("{name:<28} {} operations ({reference})", c.operations)
    }
}

fn percent(n: usize, d: usize) -> f64 {
    if d == 0 {
        100.0
    } else {
        n as f64 * 100.0 / d as f64
    }
}

fn section(md: &mut String, title: &str, findings: &[Finding]) {
    let _ = writeln!(md, "\n## {title} ({})\n", findings.len());
    let mut by_category: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_category
            .entry(f.category.clone().unwrap_or_else(|| "UNEXPLAINED".into()))
            .or_default()
            .push(f);
    }
    for (category, list) in by_category {
        let _ = writeln!(md, "### {category} ({})\n", list.len());
        for f in list.iter().take(40) {
            let what: String = f.what.replace('\n', " ").chars().take(300).collect();
            let _ = writeln!(md, "- `{}`: {}", f.case, what.replace('|', "\\|"));
        }
        if list.len() > 40 {
            let _ = writeln!(md, "- … and {} more", list.len() - 40);
        }
        md.push('\n');
    }
}

/// Every difference between two observations, described; empty when identical.
pub fn differences(reference: &Observation, ours: &Observation) -> Vec<String> {
    differences_between(reference, ours, ("reference", "ours"))
}

/// [`differences`] with the two sides named by `labels` (left, right).
pub fn differences_between(
    left: &Observation,
    right: &Observation,
    labels: (&str, &str),
) -> Vec<String> {
    let (ln, rn) = labels;
    let mut out = Vec::new();
    if left.requests.len() != right.requests.len() {
        let n = left.requests.len().min(right.requests.len());
        let (side, extra) = if right.requests.len() > n {
            (rn, &right.requests[n..])
        } else {
            (ln, &left.requests[n..])
        };
        let extra: Vec<String> = extra
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        out.push(format!(
            "request count: {ln} {} vs {rn} {} (extra in {side}: {}; {})",
            left.requests.len(),
            right.requests.len(),
            extra.join(", "),
            outcome_text(left, right, labels)
        ));
    }
    for (i, (r, o)) in left.requests.iter().zip(&right.requests).enumerate() {
        if r.method != o.method || r.path != o.path {
            out.push(format!(
                "request {i}: {} {} vs {} {}",
                r.method, r.path, o.method, o.path
            ));
            continue;
        }
        if r.query != o.query {
            out.push(format!("request {i} query: {:?} vs {:?}", r.query, o.query));
        }
        let rs: BTreeSet<_> = r.headers.iter().collect();
        let os: BTreeSet<_> = o.headers.iter().collect();
        for (name, value) in rs.difference(&os) {
            out.push(format!("request {i} header only in {ln}: {name}: {value}"));
        }
        for (name, value) in os.difference(&rs) {
            out.push(format!("request {i} header only in {rn}: {name}: {value}"));
        }
        if r.body != o.body {
            out.push(format!(
                "request {i} body: {} vs {}",
                short(&serde_json::to_string(&r.body).unwrap_or_default()),
                short(&serde_json::to_string(&o.body).unwrap_or_default())
            ));
        }
    }
    let (r, o) = (&left.outcome, &right.outcome);
    if !r.agrees_with(o) {
        out.push(match (&r.error_kind, &o.error_kind) {
            (None, None) if r.data != o.data => format!(
                "data: {} vs {}",
                short(&r.data.to_string()),
                short(&o.data.to_string())
            ),
            (None, None) => format!(
                "meta: {} vs {}",
                short(&r.meta.to_string()),
                short(&o.meta.to_string())
            ),
            _ => format!("outcome: {}", outcome_text(left, right, labels)),
        });
    }
    out
}

fn outcome_text(left: &Observation, right: &Observation, (ln, rn): (&str, &str)) -> String {
    let one = |o: &Observation| match &o.outcome.error_kind {
        None => "ok".to_string(),
        Some(k) => format!(
            "{k} ({})",
            short(o.outcome.error_message.as_deref().unwrap_or_default())
        ),
    };
    format!("{ln} {} vs {rn} {}", one(left), one(right))
}

fn short(s: &str) -> String {
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{CannedBody, CannedResponse};
    use crate::observe::{Outcome, WireBody, WireRequest};
    use serde_json::{Map, Value, json};

    fn request(headers: &[(&str, &str)], body: WireBody) -> WireRequest {
        WireRequest {
            method: "GET".into(),
            path: "/v1/things".into(),
            query: vec![("limit".into(), "2".into())],
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body,
        }
    }

    fn ok(data: Value) -> Outcome {
        Outcome {
            error_kind: None,
            error_message: None,
            data,
            meta: Value::Null,
        }
    }

    fn case(id: &str, variant: &str) -> Case {
        Case {
            id: id.into(),
            connector: "c".into(),
            entity: "things".into(),
            action: "list".into(),
            variant: variant.into(),
            operation: "c/things/list".into(),
            params: Map::new(),
            auth_scheme: None,
            auth: Map::new(),
            config: Map::new(),
            response: CannedResponse {
                status: 200,
                headers: Vec::new(),
                body: CannedBody::Empty,
            },
            file: None,
        }
    }

    #[test]
    fn identical_observations_have_no_differences() {
        let a = Observation {
            requests: vec![request(
                &[("authorization", "Bearer t")],
                WireBody::Json(json!({"a": 1})),
            )],
            outcome: ok(json!([1])),
        };
        assert!(differences(&a, &a.clone()).is_empty());
    }

    #[test]
    fn every_kind_of_difference_is_reported() {
        let a = Observation {
            requests: vec![request(
                &[("authorization", "Bearer t")],
                WireBody::Json(json!({"a": 1})),
            )],
            outcome: ok(json!([1])),
        };
        let mut b = a.clone();
        b.requests[0].headers = vec![("authorization".into(), "Bearer u".into())];
        b.requests[0].body = WireBody::Json(json!({"a": 2}));
        b.requests[0].query = vec![];
        b.outcome = Outcome {
            error_kind: Some("HttpStatus".into()),
            ..ok(Value::Null)
        };
        let found = differences(&a, &b);
        assert!(found.iter().any(|d| d.contains("query")), "{found:?}");
        assert!(
            found
                .iter()
                .any(|d| d.contains("only in reference: authorization: Bearer t"))
        );
        assert!(
            found
                .iter()
                .any(|d| d.contains("only in ours: authorization: Bearer u"))
        );
        assert!(found.iter().any(|d| d.contains("body")));
        assert!(found.iter().any(|d| d.starts_with("outcome")));
        let mut c = a.clone();
        c.requests.clear();
        assert!(differences(&a, &c)[0].starts_with("request count"));
    }

    #[test]
    fn an_operation_is_identical_only_when_all_its_cases_are() {
        let cases = vec![
            case("c/things/list/full", "full"),
            case("c/things/list/minimal", "minimal"),
        ];
        let good = Observation {
            requests: vec![request(&[], WireBody::None)],
            outcome: ok(json!([])),
        };
        let reference: HashMap<String, Observation> =
            cases.iter().map(|c| (c.id.clone(), good.clone())).collect();
        let mut ours = reference.clone();
        let report = Report::build(
            &cases,
            &reference,
            Some(&ours),
            &KnownDifferences::default(),
        );
        assert_eq!(report.total().identical_operations, 1);
        assert_eq!(report.total().reference_valid_ok, 2);
        ours.insert(
            "c/things/list/minimal".into(),
            Observation {
                requests: vec![],
                outcome: ok(json!([])),
            },
        );
        let report = Report::build(
            &cases,
            &reference,
            Some(&ours),
            &KnownDifferences::default(),
        );
        let total = report.total();
        assert_eq!((total.identical_operations, total.operations), (0, 1));
        assert_eq!(total.identical_cases, 1);
        assert_eq!(total.conformant_operations, 0);
        assert_eq!(report.unexplained().len(), 1);

        // The same difference, excused: conformant only when marked by design.
        let entry = |by_design| KnownDifference {
            cases: vec!["*/minimal".into()],
            difference_contains: None,
            side: Side::Differential,
            category: "x".into(),
            by_design,
            reason: "r".into(),
        };
        for by_design in [false, true] {
            let known = KnownDifferences {
                entries: vec![entry(by_design)],
            };
            let total = Report::build(&cases, &reference, Some(&ours), &known).total();
            assert_eq!(total.identical_operations, 0);
            assert_eq!(total.conformant_operations, usize::from(by_design));
            assert_eq!(total.conformant_cases, 1 + usize::from(by_design));
        }
    }
}
