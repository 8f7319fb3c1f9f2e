//! Where results and errors go: JSON on stdout, errors on stderr.
//!
//! JSON is pretty-printed when stdout is a terminal and compact (one line)
//! when it is piped or redirected, so `airbyte-agent ... | jq` gets one
//! document per run. `--pretty` / `--compact` override the detection.

use std::io::{IsTerminal, Write};

use airbyte_agent_sdk::{Error, ErrorKind};
use serde_json::Value;

/// How to render JSON on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonStyle {
    /// Indented, for people.
    Pretty,
    /// One line, for pipes.
    Compact,
}

impl JsonStyle {
    /// The style for this process: an explicit choice, else pretty on a
    /// terminal and compact otherwise.
    pub fn detect(pretty: bool, compact: bool) -> Self {
        if pretty {
            JsonStyle::Pretty
        } else if compact || !std::io::stdout().is_terminal() {
            JsonStyle::Compact
        } else {
            JsonStyle::Pretty
        }
    }

    /// Renders a value in this style (no trailing newline).
    pub fn render(self, value: &Value) -> String {
        let rendered = match self {
            JsonStyle::Pretty => serde_json::to_string_pretty(value),
            JsonStyle::Compact => serde_json::to_string(value),
        };
        // Serializing a `Value` cannot fail: its keys are strings and it holds
        // no non-finite floats.
        rendered.unwrap_or_else(|_| value.to_string())
    }
}

/// Writes one JSON document and a newline to stdout.
///
/// A closed pipe (`airbyte-agent ... | head -c1`) is not an error worth a
/// message; any write failure is returned for the exit code.
pub fn print_json(style: JsonStyle, value: &Value) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", style.render(value))?;
    out.flush()
}

/// Writes an error to stderr. The message is the error's `Display`, which
/// says what went wrong and what to do, and never contains secrets.
pub fn print_error(err: &Error) {
    let mut msg = format!("error: {err}");
    // Show the causes of transport errors (e.g. "connection refused"), which
    // are not part of the top-level message.
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        msg.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    if err.kind() == ErrorKind::MissingCredentials {
        msg.push_str(
            "\n  hint: pass --client-id and --client-secret, or export AIRBYTE_CLIENT_ID and \
             AIRBYTE_CLIENT_SECRET",
        );
    }
    let _ = writeln!(std::io::stderr().lock(), "{msg}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compact_is_one_line_and_pretty_is_indented() {
        let v = json!({"a": [1, 2], "b": {"c": null}});
        assert_eq!(
            JsonStyle::Compact.render(&v),
            r#"{"a":[1,2],"b":{"c":null}}"#
        );
        let pretty = JsonStyle::Pretty.render(&v);
        assert!(pretty.contains("\n  \"a\": ["));
        assert_eq!(
            serde_json::from_str::<Value>(&pretty).expect("valid json"),
            v
        );
    }

    #[test]
    fn explicit_choice_wins() {
        assert_eq!(JsonStyle::detect(true, false), JsonStyle::Pretty);
        assert_eq!(JsonStyle::detect(false, true), JsonStyle::Compact);
    }
}
