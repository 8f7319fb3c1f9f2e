//! What each side returned: the reference's Python values against the CLI's
//! JSON, field by field where the shapes are meant to agree.

use serde_json::Value;

/// Drops `null` members recursively: the reference spells absent optional
/// fields as `None`, our JSON may leave them out.
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn same(what: &str, reference: &Value, ours: &Value) -> Result<(), String> {
    let (r, o) = (without_nulls(reference), without_nulls(ours));
    if r == o {
        Ok(())
    } else {
        Err(format!("{what}: reference {r} != ours {o}"))
    }
}

/// Compares the outputs of a successful step. `reference` is the driver's
/// `value`, `ours` the CLI's stdout JSON.
pub fn compare_outputs(op: &str, reference: &Value, ours: &Value) -> Result<(), String> {
    match op {
        "execute" | "execute_config" => {
            // A typed reference connector returns the bare data for
            // operations without extractors; otherwise {data, meta}.
            if reference.get("data").is_some() {
                same("data", &reference["data"], &ours["data"])?;
                same("meta", &reference["meta"], &ours["meta"])
            } else {
                same("data", reference, &ours["data"])
            }
        }
        "check" => {
            let status = reference
                .get("status")
                .or_else(|| reference.get("data").and_then(|d| d.get("status")))
                .and_then(Value::as_str);
            let healthy = ours.get("healthy").and_then(Value::as_bool);
            match (status, healthy) {
                (Some("healthy"), Some(true)) | (Some("unhealthy"), Some(false)) => Ok(()),
                _ => Err(format!("health: reference {reference} vs ours {ours}")),
            }
        }
        "get_connector" | "create_connector" => same("id", &reference["id"], &ours["id"]),
        "oauth_initiate" | "oauth_initiate_typed" => same(
            "consent_url",
            &reference["consent_url"],
            &ours["consent_url"],
        ),
        // The reference returns None; we print a confirmation object.
        "delete_connector"
        | "oauth_set_credentials"
        | "oauth_set_credentials_typed"
        | "oauth_delete_credentials"
        | "workflows_delete"
        | "automations_delete" => {
            if reference.is_null() && ours.is_object() {
                Ok(())
            } else {
                Err(format!(
                    "confirmation: reference {reference} vs ours {ours}"
                ))
            }
        }
        // Same records with the same field names.
        "list_connectors" | "workflows_list" | "workflows_create" | "workflows_get"
        | "workflows_update" | "automations_list" | "automations_create" | "automations_get"
        | "automations_update" | "ask" | "ask_sync" | "ask_sync_in_loop" | "workspace_ask" => {
            same(op, reference, ours)
        }
        other => Err(format!("no output comparison for operation {other}")),
    }
}

/// Compares a failed step's messages: for HTTP failures the reference's
/// message (`HTTP {status} error for {METHOD} {url}: {detail}`) must appear
/// in our stderr, which wraps it with advice. Returns whether a comparison
/// was made (lookup failures are worded differently on purpose).
pub fn compare_errors(reference_error: &str, our_stderr: &str) -> Result<bool, String> {
    const HTTP_ERRORS: &[&str] = &[
        "AuthenticationError: ",
        "ConnectorValidationError: ",
        "RateLimitError: ",
        "HTTPStatusError: ",
    ];
    let Some(message) = HTTP_ERRORS
        .iter()
        .find_map(|prefix| reference_error.strip_prefix(prefix))
    else {
        return Ok(false);
    };
    if our_stderr.contains(message) {
        Ok(true)
    } else {
        Err(format!(
            "reference message {message:?} not in our stderr: {our_stderr}"
        ))
    }
}
