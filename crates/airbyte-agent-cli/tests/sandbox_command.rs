//! `airbyte-agent sandbox` serves the Stripe sandbox on loopback and says
//! where on its first stdout line.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_airbyte-agent");

/// Kills the child when the test ends, pass or fail.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serves_generated_customers_on_an_ephemeral_port() {
    let mut child = Command::new(BIN)
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--records",
            "3",
            "--seed",
            "9",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn airbyte-agent");
    let stdout = child.stdout.take().expect("stdout");
    let _running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let info: Value = serde_json::from_str(&line).expect("JSON line");
    assert_eq!(info["sandbox"], "stripe");
    assert_eq!(info["records"]["customers"], 3);
    let url = info["url"].as_str().expect("url");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let body: Value = reqwest::Client::new()
        .get(format!("{url}/v1/customers"))
        .bearer_auth(info["api_key"].as_str().expect("api key"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    assert_eq!(body["object"], "list");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(3));
    assert_eq!(body["has_more"], false);
}

#[test]
fn refuses_non_loopback_addresses() {
    let out = Command::new(BIN)
        .args(["sandbox", "--listen", "0.0.0.0:0"])
        .output()
        .expect("run airbyte-agent");
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a loopback address"), "{stderr}");
}
