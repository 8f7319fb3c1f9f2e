//! `airbyte-agent demo` runs end to end on loopback and prints a readable
//! report: plain text when piped, no secrets, every step's result.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_airbyte-agent");

fn run_demo(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .arg("demo")
        .args(args)
        // Debug logs must not leak secrets either.
        .env("RUST_LOG", "debug")
        .env_remove("NO_COLOR")
        // Explicit settings must win over any in the environment.
        .env("AIRBYTE_CLIENT_ID", "from-the-environment")
        .env("AIRBYTE_API_URL", "http://192.0.2.1:9")
        .output()
        .expect("run airbyte-agent demo");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn demo_drives_the_local_server_and_the_sandbox_end_to_end() {
    let (code, stdout, stderr) =
        run_demo(&["--customers", "23", "--page-size", "5", "--seed", "3"]);
    assert_eq!(code, Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");

    // Piped: plain ASCII headings, no escape codes.
    assert!(!stdout.contains('\x1b'), "{stdout}");
    for heading in [
        "1. Local services\n-----------------\n",
        "2. Create a Stripe connector through the hosted API\n",
        "3. Typed calls: the generated Stripe connector\n",
        "4. Paginated list: every customer, page by page\n",
        "5. Automation: a scheduled workflow\n",
    ] {
        assert!(stdout.contains(heading), "missing {heading:?} in\n{stdout}");
    }
    assert!(stdout.contains("SANDBOX: 23 generated customers, seed 3; not Stripe"));
    assert!(stdout.contains("Stripe (sandbox)"), "{stdout}");

    // The typed calls and the created customer.
    assert!(stdout.contains("stripe.customers().list().limit(3).send().await?"));
    assert!(stdout.contains("livemode  false"), "{stdout}");
    assert!(
        stdout.contains("Ada Lovelace  ada.lovelace@example.com"),
        "{stdout}"
    );

    // 24 customers, 5 per page: pages 1-4 have more, page 5 has 4.
    let pages: Vec<&str> = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && l.contains("cus_"))
        .collect();
    assert_eq!(pages.len(), 5, "{stdout}");
    assert!(pages[..4].iter().all(|l| l.trim_end().ends_with("true")));
    assert!(pages[4].contains(" 4 ") && pages[4].trim_end().ends_with("false"));
    assert!(stdout.contains("24 customers in 5 pages (23 generated + 1 created)"));
    assert!(stdout.contains("yielded 24 customers, newest first (Ada Lovelace)"));

    // The automation ran on schedule, recorded its run and called the webhook.
    let run = stdout
        .lines()
        .find(|l| l.contains("  schedule  "))
        .unwrap_or_else(|| panic!("no run row in\n{stdout}"));
    assert!(
        run.contains("success") && run.contains("5 records"),
        "{run}"
    );
    assert!(run.contains("delivered: HTTP 200"), "{run}");
    assert!(stdout.contains("recorded runs  1"));
    assert!(stdout.contains("event \"workflow_run.completed\""));
    assert!(stdout.contains("Done in "));

    // Secrets stay out of the output and the logs: the application secret
    // (prefix `acs_`), tokens and the vendor key.
    for text in [&stdout, &stderr] {
        assert!(!text.contains("acs_"), "application secret leaked:\n{text}");
        assert!(
            !text.contains("sk_test_airbyte_sandbox"),
            "vendor key leaked:\n{text}"
        );
        assert!(
            !text.to_lowercase().contains("bearer "),
            "token leaked:\n{text}"
        );
    }
}

#[test]
fn demo_rejects_an_empty_sandbox_up_front() {
    let (code, _, stderr) = run_demo(&["--customers", "0"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--customers"), "{stderr}");
}
