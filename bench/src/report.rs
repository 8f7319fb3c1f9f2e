//! Turns the JSON lines a `bench/run` collected into `bench/RESULTS.md`.

use std::fmt::Write as _;

use serde_json::Value;

const MB: f64 = 1024.0 * 1024.0;

/// The markdown report for `lines` (one JSON object per measurement).
pub fn render(lines: &[Value]) -> String {
    // Measurements of the Rust clients come once per allocator; the main
    // tables show the mimalloc ones.
    let find = |kind: &str| {
        lines.iter().find(|l| {
            l["kind"] == kind && (l["allocator"].is_null() || l["allocator"] == MAIN_ALLOCATOR)
        })
    };
    let find_system = |kind: &str| {
        lines
            .iter()
            .find(|l| l["kind"] == kind && l["allocator"] == "system")
    };
    let calls = |target: &str, c: u64| calls_on(lines, MAIN_ALLOCATOR, target, c);
    let mut out = String::new();
    out.push_str(
        "# Benchmark results\n\n\
         Written by `bench/run` (do not edit by hand; rerun it). All servers on 127.0.0.1, \
         all clients on the same machine in the same run.\n\n",
    );
    if let Some(m) = find("machine") {
        let _ = writeln!(out, "- Date: {}", text(&m["date"]));
        let _ = writeln!(
            out,
            "- Machine: {} ({} cores), {} RAM, {}",
            text(&m["cpu"]),
            text(&m["cores"]),
            text(&m["memory"]),
            text(&m["kernel"])
        );
        let _ = writeln!(
            out,
            "- Load average (1/5/15 min): {} before, {} after the run (the machine is shared; see notes)",
            text(&m["load_before"]),
            text(&m["load_after"])
        );
        let _ = writeln!(
            out,
            "- Toolchain: {}; reference: Python airbyte-agent-sdk {} ({}); nginx {}",
            text(&m["rustc"]),
            text(&m["reference"]),
            text(&m["python"]),
            text(&m["nginx"])
        );
        out.push('\n');
    }

    out.push_str("## Targets\n\n| target | measured | goal | met |\n|---|---|---|---|\n");
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    };
    let cpu = |t: &str, c: u64| calls(t, c).and_then(|l| l["cpu_us_per_call"].as_f64());
    let tput = |t: &str, c: u64| calls(t, c).and_then(|l| l["calls_per_s"].as_f64());
    for (label, t) in [
        ("generic LocalExecutor", "generic"),
        ("typed connector", "typed"),
    ] {
        let goal = if t == "generic" { 1.3 } else { 1.0 };
        for c in [1, 32] {
            let r = ratio(cpu(t, c), cpu("bare", c));
            target_row(
                &mut out,
                &format!("{label}: CPU per call vs bare reqwest, concurrency {c}"),
                r.map(|r| format!("{r:.2}x")),
                &format!("≤ {goal}x"),
                r.map(|r| r <= goal),
            );
        }
    }
    for (label, t) in [
        ("generic LocalExecutor", "generic"),
        ("typed connector", "typed"),
        ("bare reqwest (for scale)", "bare"),
    ] {
        let r = ratio(tput(t, 32), tput("reference", 32));
        let (goal, met) = if t == "bare" {
            ("~15x (issue)", None)
        } else {
            ("≥ 12x", r.map(|r| r >= 12.0))
        };
        target_row(
            &mut out,
            &format!("{label}: throughput at concurrency 32 vs the reference"),
            r.map(|r| format!("{r:.1}x")),
            goal,
            met,
        );
    }
    let rss = |k: &str| {
        find(k)
            .and_then(|l| l["peak_rss_bytes"].as_f64())
            .map(|b| b / MB)
    };
    let p = rss("paginate");
    target_row(
        &mut out,
        "1,000,000 records through the paginator: peak RSS",
        p.map(|v| format!("{v:.1} MiB")),
        "< 50 MB",
        p.map(|v| v * MB < 50e6),
    );
    let d = rss("download");
    target_row(
        &mut out,
        "1 GiB download: peak RSS",
        d.map(|v| format!("{v:.1} MiB")),
        "< 64 MB",
        d.map(|v| v * MB < 64e6),
    );
    let cold = |t: &str| {
        lines
            .iter()
            .find(|l| l["kind"] == "coldstart" && l["target"] == t)
            .and_then(|l| l["mean_s"].as_f64())
    };
    for (label, t) in [
        (
            "CLI cold start, Stripe definition + one call (mean; parsed definition cached)",
            "cli",
        ),
        (
            "CLI cold start, Stripe definition + one call (mean; cache off, YAML parsed)",
            "cli-uncached",
        ),
    ] {
        let c = cold(t);
        target_row(
            &mut out,
            label,
            c.map(|v| format!("{:.1} ms", v * 1e3)),
            "≤ 20 ms",
            c.map(|v| v <= 0.020),
        );
    }
    let h = find("hosted");
    let tokens = h.and_then(|h| h["token_requests"].as_u64());
    target_row(
        &mut out,
        &format!(
            "hosted: token requests for {} concurrent executes, cold cache",
            h.map_or(0, |h| h["calls"].as_u64().unwrap_or(0))
        ),
        tokens.map(|t| t.to_string()),
        "exactly 1",
        tokens.map(|t| t == 1),
    );

    out.push_str("\n## `customers list limit=100` (nginx, one ~25 KB page of 100 Stripe-shaped customers)\n\n");
    out.push_str(
        "CPU is the client process's user + system time (getrusage) over the measured calls, divided by the calls. \
         The Rust clients run on mimalloc, the allocator the `airbyte-agent` binary ships with; \
         the next section has the same clients on the system allocator.\n\n",
    );
    calls_table(&mut out, lines, MAIN_ALLOCATOR);
    if lines
        .iter()
        .any(|l| l["kind"] == "calls" && l["allocator"] == "system")
    {
        out.push_str(
            "\n## The same Rust clients on the system allocator (glibc malloc)\n\n\
             For comparison only (the targets above are measured on mimalloc): the reference rows are the same run's.\n\n",
        );
        calls_table(&mut out, lines, "system");
    }
    if let Some(w) = find("wrk") {
        let _ = writeln!(
            out,
            "\nnginx's own ceiling for this page (wrk, {} connections, {} threads): {:.0} requests/s.",
            w["connections"],
            w["threads"],
            w["requests_per_s"].as_f64().unwrap_or(0.0)
        );
    }

    out.push_str("\n## Streams, cold start, hosted\n\n| measurement | result |\n|---|---|\n");
    if let Some(p) = find("paginate") {
        let _ = writeln!(
            out,
            "| paginator, Stripe `starting_after` pages of 100 from a generator server | {} records in {:.1} s ({:.0} records/s), peak RSS {:.1} MiB (at start {:.1} MiB) |",
            p["records"],
            p["wall_s"].as_f64().unwrap_or(0.0),
            p["records"].as_f64().unwrap_or(0.0) / p["wall_s"].as_f64().unwrap_or(1.0),
            p["peak_rss_bytes"].as_f64().unwrap_or(0.0) / MB,
            p["peak_rss_before_bytes"].as_f64().unwrap_or(0.0) / MB
        );
    }
    if let Some(p) = find_system("paginate") {
        let _ = writeln!(
            out,
            "| the same paginator on the system allocator | peak RSS {:.1} MiB (at start {:.1} MiB) |",
            p["peak_rss_bytes"].as_f64().unwrap_or(0.0) / MB,
            p["peak_rss_before_bytes"].as_f64().unwrap_or(0.0) / MB
        );
    }
    if let Some(d) = find("download") {
        let _ = writeln!(
            out,
            "| `Executor::download` of a generated file | {:.0} MiB in {:.1} s ({:.0} MB/s), peak RSS {:.1} MiB (at start {:.1} MiB) |",
            d["bytes"].as_f64().unwrap_or(0.0) / MB,
            d["wall_s"].as_f64().unwrap_or(0.0),
            d["mb_per_s"].as_f64().unwrap_or(0.0),
            d["peak_rss_bytes"].as_f64().unwrap_or(0.0) / MB,
            d["peak_rss_before_bytes"].as_f64().unwrap_or(0.0) / MB
        );
    }
    if let Some(d) = find_system("download") {
        let _ = writeln!(
            out,
            "| the same download on the system allocator | peak RSS {:.1} MiB (at start {:.1} MiB) |",
            d["peak_rss_bytes"].as_f64().unwrap_or(0.0) / MB,
            d["peak_rss_before_bytes"].as_f64().unwrap_or(0.0) / MB
        );
    }
    for (label, t) in [
        (
            "`airbyte-agent local exec` (load Stripe definition, one call; cached parse)",
            "cli",
        ),
        (
            "`airbyte-agent local exec` with `AIRBYTE_DEFINITION_CACHE=off`",
            "cli-uncached",
        ),
        (
            "`python -c` with the reference (load Stripe definition, one call)",
            "reference",
        ),
    ] {
        if let Some(l) = lines
            .iter()
            .find(|l| l["kind"] == "coldstart" && l["target"] == t)
        {
            let _ = writeln!(
                out,
                "| cold start: {label} | mean {:.1} ms ± {:.1} (min {:.1}, {} runs, hyperfine) |",
                l["mean_s"].as_f64().unwrap_or(0.0) * 1e3,
                l["stddev_s"].as_f64().unwrap_or(0.0) * 1e3,
                l["min_s"].as_f64().unwrap_or(0.0) * 1e3,
                l["runs"]
            );
        }
    }
    if let (Some(a), Some(b)) = (cold("reference"), cold("cli")) {
        let _ = writeln!(
            out,
            "| cold start ratio | the reference takes {:.0}x as long |",
            a / b
        );
    }
    if let Some(h) = h {
        let _ = writeln!(
            out,
            "| hosted, {} concurrent executes on a cold token cache | {} token request(s), {} execute requests, {} failed, {:.2} s |",
            h["calls"],
            h["token_requests"],
            h["execute_requests"],
            h["failed"],
            h["wall_s"].as_f64().unwrap_or(0.0)
        );
    }
    let notes: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "note").collect();
    if !notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        for n in notes {
            let _ = writeln!(out, "- {}", text(&n["text"]));
        }
    }
    out
}

/// The allocator of the Rust clients the targets are measured on.
const MAIN_ALLOCATOR: &str = "mimalloc";

/// The `calls` line of `target` at concurrency `c`; Rust clients on
/// `allocator` (the reference has one allocator, its own).
fn calls_on<'a>(lines: &'a [Value], allocator: &str, target: &str, c: u64) -> Option<&'a Value> {
    lines.iter().find(|l| {
        l["kind"] == "calls"
            && l["target"] == target
            && l["concurrency"] == c
            && (target == "reference" || l["allocator"] == allocator)
    })
}

/// The per-client table of the `calls` measurements on `allocator`.
fn calls_table(out: &mut String, lines: &[Value], allocator: &str) {
    let calls = |t: &str, c: u64| calls_on(lines, allocator, t, c);
    let cpu = |t: &str, c: u64| calls(t, c).and_then(|l| l["cpu_us_per_call"].as_f64());
    let tput = |t: &str, c: u64| calls(t, c).and_then(|l| l["calls_per_s"].as_f64());
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    };
    out.push_str("| client | concurrency | calls | calls/s | CPU µs/call | CPU vs bare | calls/s vs reference | calls/s vs bare |\n|---|---|---|---|---|---|---|---|\n");
    for c in [1, 32] {
        for (label, t) in [
            ("bare reqwest + serde_json::Value", "bare"),
            ("our LocalExecutor, generic", "generic"),
            ("our typed Stripe connector", "typed"),
            ("Python reference LocalExecutor", "reference"),
        ] {
            let Some(l) = calls(t, c) else {
                let _ = writeln!(out, "| {label} | {c} | not measured | | | | | |");
                continue;
            };
            let _ = writeln!(
                out,
                "| {label} | {c} | {} | {:.0} | {:.0} | {} | {} | {} |",
                l["calls"],
                l["calls_per_s"].as_f64().unwrap_or(0.0),
                l["cpu_us_per_call"].as_f64().unwrap_or(0.0),
                fmt_ratio(ratio(cpu(t, c), cpu("bare", c))),
                fmt_ratio(ratio(tput(t, c), tput("reference", c))),
                fmt_ratio(ratio(tput(t, c), tput("bare", c))),
            );
        }
    }
}

fn target_row(
    out: &mut String,
    what: &str,
    measured: Option<String>,
    goal: &str,
    met: Option<bool>,
) {
    let _ = writeln!(
        out,
        "| {what} | {} | {goal} | {} |",
        measured.as_deref().unwrap_or("not measured"),
        match met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "",
        }
    );
}

fn fmt_ratio(r: Option<f64>) -> String {
    match r {
        Some(r) if r >= 10.0 => format!("{r:.1}x"),
        Some(r) => format!("{r:.2}x"),
        None => String::new(),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "?".into(),
        other => other.to_string(),
    }
}
