//! Turns the global flags into library objects. Nothing is resolved here:
//! unset flags stay unset and the library applies its precedence (flag >
//! `configure` > environment > default).

use airbyte_agent_sdk::catalog::{self, CatalogEntry};
use airbyte_agent_sdk::cloud::CloudClient;
use airbyte_agent_sdk::{AirbyteAuthConfig, Error, HostedExecutor, Result, Workspace, connect};

use crate::global::GlobalArgs;

/// What a command needs to reach the hosted API.
pub struct Context {
    global: GlobalArgs,
}

/// A connector named on the command line.
pub enum ConnectorArg {
    /// A catalog connector, e.g. `stripe`.
    Catalog(&'static CatalogEntry),
    /// An id (UUID): a connector id or a connector definition id, depending
    /// on the command.
    Id(String),
}

impl Context {
    /// A context for these flags.
    pub fn new(global: GlobalArgs) -> Self {
        Self { global }
    }

    /// The explicit settings from the flags.
    fn auth(&self) -> AirbyteAuthConfig {
        let g = &self.global;
        let mut auth = AirbyteAuthConfig::new();
        if let Some(id) = &g.client_id {
            auth = auth.client_id(id.clone());
        }
        // Assigned as a secret so it never exists as a plain `String` here.
        auth.client_secret = g.client_secret.clone();
        if let Some(ws) = &g.workspace {
            auth = auth.workspace_name(ws.clone());
        }
        if let Some(org) = &g.organization_id {
            auth = auth.organization_id(org.clone());
        }
        if let Some(url) = &g.api_url {
            auth = auth.api_url(url.clone());
        }
        auth
    }

    /// The workspace named by `--workspace` (default `"default"`).
    pub fn workspace(&self) -> Result<Workspace> {
        let mut builder = Workspace::builder().auth_config(self.auth());
        if let Some(t) = self.global.timeout {
            builder = builder.timeout(t);
        }
        builder.build()
    }

    /// A client for calls that are not tied to a workspace.
    pub fn client(&self) -> Result<CloudClient> {
        let mut builder = CloudClient::builder().auth_config(self.auth());
        if let Some(t) = self.global.timeout {
            builder = builder.timeout(t);
        }
        builder.build()
    }

    /// An executor for a connector given by catalog name (looked up in the
    /// workspace on each call) or by connector id.
    pub async fn executor(&self, connector: &str) -> Result<HostedExecutor> {
        match parse_connector(connector)? {
            ConnectorArg::Catalog(entry) => {
                let mut builder = connect(entry.slug.clone()).auth_config(self.auth());
                if let Some(t) = self.global.timeout {
                    builder = builder.timeout(t);
                }
                builder.build_hosted().await
            }
            ConnectorArg::Id(id) => Ok(HostedExecutor::by_id(self.client()?, id)),
        }
    }
}

/// Reads a connector argument: a catalog name (`stripe`, `zendesk-support`)
/// or a UUID. Anything else is an unknown name, reported with the closest
/// catalog names.
pub fn parse_connector(raw: &str) -> Result<ConnectorArg> {
    if let Some(entry) = catalog::find(raw) {
        return Ok(ConnectorArg::Catalog(entry));
    }
    if is_uuid(raw) {
        return Ok(ConnectorArg::Id(raw.to_string()));
    }
    match catalog::lookup(raw) {
        Ok(entry) => Ok(ConnectorArg::Catalog(entry)),
        Err(Error::NotFound {
            what,
            name,
            scope,
            available,
        }) => Err(Error::NotFound {
            what,
            name,
            scope: format!("{scope} (give a catalog name or an id in UUID form)"),
            available,
        }),
        Err(other) => Err(other),
    }
}

/// Whether `s` has the 8-4-4-4-12 hex shape of a UUID.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use airbyte_agent_sdk::ErrorKind;
    use clap::Parser;
    use secrecy::ExposeSecret;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        global: GlobalArgs,
    }

    fn context(args: &[&str]) -> Context {
        let mut argv = vec!["airbyte-agent"];
        argv.extend_from_slice(args);
        Context::new(Flags::parse_from(argv).global)
    }

    #[test]
    fn flags_become_explicit_settings() {
        let ctx = context(&[
            "--client-id",
            "id-1",
            "--client-secret",
            "secret-1",
            "--workspace",
            "acme",
            "--organization-id",
            "org-1",
            "--api-url",
            "http://127.0.0.1:1/",
        ]);
        let resolved = ctx.auth().resolve_with(None, |_| None).expect("resolves");
        assert_eq!(resolved.client_id.expose_secret(), "id-1");
        assert_eq!(resolved.client_secret.expose_secret(), "secret-1");
        assert_eq!(resolved.workspace_name, "acme");
        assert_eq!(resolved.organization_id.as_deref(), Some("org-1"));
        assert_eq!(resolved.api_url, "http://127.0.0.1:1");
    }

    #[test]
    fn unset_flags_are_left_to_the_library() {
        let ctx = context(&[]);
        let env = |name: &str| match name {
            "AIRBYTE_CLIENT_ID" => Some("env-id".to_string()),
            "AIRBYTE_CLIENT_SECRET" => Some("env-secret".to_string()),
            _ => None,
        };
        let resolved = ctx.auth().resolve_with(None, env).expect("resolves");
        assert_eq!(resolved.client_id.expose_secret(), "env-id");
        assert_eq!(resolved.workspace_name, "default");
        assert_eq!(resolved.organization_id, None);
        let err = ctx
            .auth()
            .resolve_with(None, |_| None)
            .expect_err("no credentials");
        assert_eq!(err.kind(), ErrorKind::MissingCredentials);
        // Debug of the flags never shows the secret.
        let ctx = context(&["--client-secret", "hunter2-secret"]);
        assert!(!format!("{:?}", ctx.global).contains("hunter2"));
    }

    #[test]
    fn connector_arguments() {
        assert!(matches!(
            parse_connector("stripe"),
            Ok(ConnectorArg::Catalog(e)) if e.slug == "stripe"
        ));
        assert!(matches!(
            parse_connector("3F1D2C4B-5a6e-4f70-9182-a3b4c5d6e7f8"),
            Ok(ConnectorArg::Id(id)) if id == "3F1D2C4B-5a6e-4f70-9182-a3b4c5d6e7f8"
        ));
        let err = parse_connector("strpe").err().expect("unknown name");
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains("stripe"), "{err}");
        assert!(err.to_string().contains("UUID"), "{err}");
        assert!(parse_connector("3f1d2c4b-5a6e-4f70-9182-a3b4c5d6e7f").is_err());
        assert!(parse_connector("3f1d2c4b-5a6e-4f70-9182-a3b4c5d6e7fg").is_err());
    }
}
