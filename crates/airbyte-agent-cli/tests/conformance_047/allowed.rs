//! The differences from the reference we make on purpose, each with its reason.

use serde_json::{Value, json};

use super::scenario::ENV_ORG_ID;
use super::wire::WireRequest;
use crate::support::*;

/// A difference from the reference that we make on purpose.
pub struct Allowed {
    pub step: &'static str,
    pub reason: &'static str,
    /// Turns the reference's requests for the step (token requests
    /// included) into what we send. Must change something (a stale entry
    /// fails the test).
    pub fixup: fn(&mut Vec<WireRequest>),
}

/// Every intended difference from the reference, with the reason.
pub fn allowed_differences() -> Vec<Allowed> {
    vec![
        Allowed {
            step: "execute-by-id-empty-params",
            reason: "an explicitly empty params object: the reference sends `{}`, we send `null`. \
                     Our ExecutionConfig holds params as a map, so empty and absent are the same \
                     value; both are sent as `null`, which is what the reference sends when no \
                     params are given (step execute-by-id-no-params, identical). The server reads \
                     both as no parameters.",
            fixup: |reqs| {
                for r in reqs.iter_mut().filter(|r| r.path.ends_with("/execute")) {
                    if let Some(p) = r.body.get_mut("params")
                        && p == &json!({})
                    {
                        *p = Value::Null;
                    }
                }
            },
        },
        Allowed {
            step: "execute-unauthorized",
            reason: "on a 401 we fetch a fresh token and retry the call once (the cached token \
                     may have been revoked or expired early); the reference fails at once. \
                     When the retry is also rejected the error is the same.",
            fixup: |reqs| {
                let again: Vec<WireRequest> = reqs.clone();
                reqs.extend(again);
            },
        },
        Allowed {
            step: "check-by-name",
            reason: "the reference's connect(name) loads the bundled YAML definition and its \
                     check() runs the definition's check operation (here a connector lookup and \
                     customers.list with limit 1). Our hosted catalog carries no definitions, so \
                     check() falls back to the reference's other branch: verifying the Airbyte \
                     credentials (the token request, compared separately).",
            fixup: |reqs| reqs.retain(WireRequest::is_token),
        },
        Allowed {
            step: "execute-lookup-none",
            reason: "when no connector of the definition exists in the workspace, we also list \
                     the workspace's connectors so the error can name them (the reference's \
                     'No connector found' gives no hint); one extra GET, same auth and org.",
            fixup: |reqs| append_workspace_listing(reqs, EMPTY_WORKSPACE),
        },
        Allowed {
            step: "connectors-get-by-name-none",
            reason: "as for execute-lookup-none: the extra listing that names the workspace's \
                     connectors in the not-found error.",
            fixup: |reqs| append_workspace_listing(reqs, EMPTY_WORKSPACE),
        },
        Allowed {
            step: "oauth-set-credentials-org",
            reason: "the reference's configure_oauth_app_parameters builds its own headers and \
                     drops X-Organization-Id (and the typed connectors never pass the org to \
                     that client). Every other call of the same client sends it for multi-org \
                     routing; we send it on these calls too.",
            fixup: |reqs| {
                for r in reqs
                    .iter_mut()
                    .filter(|r| r.path == "/api/v1/oauth/credentials")
                {
                    r.organization = Some(ORG_ID.to_string());
                }
            },
        },
        Allowed {
            step: "oauth-set-credentials-typed",
            reason: "the reference's typed HubspotConnector.configure_oauth_app_parameters builds \
                     its client without the organization, so neither the token request nor the \
                     PUT carries X-Organization-Id even though the AirbyteAuthConfig names one. \
                     We send the configured organization on both.",
            fixup: |reqs| {
                for r in reqs.iter_mut() {
                    r.organization = Some(ORG_ID.to_string());
                }
            },
        },
        Allowed {
            step: "oauth-delete-credentials",
            reason: "as for oauth-set-credentials-org: the reference drops X-Organization-Id on \
                     the OAuth app credential calls (here the org comes from \
                     AIRBYTE_ORGANIZATION_ID); we keep it.",
            fixup: |reqs| {
                for r in reqs
                    .iter_mut()
                    .filter(|r| r.path.starts_with("/api/v1/oauth/credentials/"))
                {
                    r.organization = Some(ENV_ORG_ID.to_string());
                }
            },
        },
    ]
}

/// Appends the `GET /connectors?customer_name=W` we send after an empty
/// lookup, with the headers of the lookup itself.
fn append_workspace_listing(reqs: &mut Vec<WireRequest>, workspace: &str) {
    if let Some(lookup) = reqs.last().cloned() {
        reqs.push(WireRequest {
            query: vec![("customer_name".into(), workspace.into())],
            ..lookup
        });
    }
}
