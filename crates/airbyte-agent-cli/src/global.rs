//! Flags every subcommand accepts: credentials, workspace, organization, API
//! URL, timeout and output style.
//!
//! Unset flags stay `None` and the library resolves them (explicit value >
//! `configure(..)` > environment variable > default), so the CLI and the
//! library can never disagree on precedence. The environment variables are
//! named in each flag's help; their values are never read by clap, so `--help`
//! cannot echo a secret.

use std::time::Duration;

use clap::Args;
use secrecy::SecretString;

/// Global flags (usable before or after the subcommand).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Airbyte application client id [env: AIRBYTE_CLIENT_ID]
    #[arg(long, global = true, value_name = "ID")]
    pub client_id: Option<String>,

    /// Airbyte application client secret [env: AIRBYTE_CLIENT_SECRET].
    /// Prefer the environment variable: flags are visible in the process list
    #[arg(long, global = true, value_name = "SECRET", value_parser = parse_secret)]
    pub client_secret: Option<SecretString>,

    /// Workspace name [default: default]
    #[arg(long, global = true, value_name = "NAME")]
    pub workspace: Option<String>,

    /// Organization id, sent as X-Organization-Id [env: AIRBYTE_ORGANIZATION_ID]
    #[arg(long, global = true, value_name = "ID")]
    pub organization_id: Option<String>,

    /// Base URL of the Airbyte API [env: AIRBYTE_API_URL, then SDK_DEV_ADP_API_HOST]
    /// [default: https://api.airbyte.ai]
    #[arg(long, global = true, value_name = "URL")]
    pub api_url: Option<String>,

    /// Timeout for each HTTP request, in seconds
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,

    /// Pretty-print JSON even when stdout is not a terminal
    #[arg(long, global = true, conflicts_with = "compact")]
    pub pretty: bool,

    /// Print JSON on one line even on a terminal
    #[arg(long, global = true)]
    pub compact: bool,
}

fn parse_secret(raw: &str) -> Result<SecretString, String> {
    if raw.is_empty() {
        return Err("the client secret is empty".into());
    }
    Ok(SecretString::from(raw))
}

fn parse_timeout(raw: &str) -> Result<Duration, String> {
    let secs: f64 = raw
        .parse()
        .map_err(|_| format!("`{raw}` is not a number of seconds"))?;
    if !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 {
        return Err(format!(
            "`{raw}` is out of range: use a number of seconds between 0 and 86400"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_parsing() {
        assert_eq!(parse_timeout("2.5"), Ok(Duration::from_millis(2500)));
        assert!(parse_timeout("0").is_err());
        assert!(parse_timeout("-1").is_err());
        assert!(parse_timeout("NaN").is_err());
        assert!(parse_timeout("ten").is_err());
    }
}
