//! Administration of a server's database without starting the server:
//! applications (client credentials) and past runs. Used by
//! `airbyte-agent admin apps …` and `airbyte-agent runs list`.

use airbyte_agent_sdk::{Error, Result};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::format_millis;
use crate::crypto::{hash_secret, random_secret};
use crate::db::apps::{self, AppRow};
use crate::db::runs::{self, RunFilter, RunRow};
use crate::db::{Database, new_id, workspaces};

/// The workspace every new organization starts with (the SDKs' default name).
pub const DEFAULT_WORKSPACE: &str = "default";

/// A newly created application. The secret is shown once: only its hash is stored.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewApplication {
    /// The client id (`AIRBYTE_CLIENT_ID`).
    pub client_id: String,
    /// The client secret (`AIRBYTE_CLIENT_SECRET`); not recoverable later.
    pub client_secret: SecretString,
    /// The application's organization: it sees that organization's workspaces.
    pub organization_id: String,
    /// The application's name.
    pub name: String,
}

/// An application as listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApplicationInfo {
    /// The client id.
    pub client_id: String,
    /// The name given at creation.
    pub name: String,
    /// The organization it acts for.
    pub organization_id: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Revocation time, when revoked.
    pub revoked_at: Option<String>,
}

impl From<AppRow> for ApplicationInfo {
    fn from(a: AppRow) -> Self {
        Self {
            client_id: a.client_id,
            name: a.name,
            organization_id: a.organization_id,
            created_at: format_millis(a.created_at),
            revoked_at: a.revoked_at.map(format_millis),
        }
    }
}

/// One run of a workflow, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunInfo {
    /// Run id.
    pub id: String,
    /// Workspace id.
    pub workspace_id: String,
    /// Workflow id.
    pub workflow_id: String,
    /// Workflow name at the time of the run.
    pub workflow_name: String,
    /// The automation that fired it, for scheduled runs.
    pub automation_id: Option<String>,
    /// `schedule` or `manual`.
    pub trigger: String,
    /// `running`, `success` or `error`.
    pub status: String,
    /// The first failure, when `status` is `error`.
    pub error: Option<String>,
    /// The due time the run was for (RFC 3339), for scheduled runs.
    pub scheduled_for: Option<String>,
    /// Start time (RFC 3339).
    pub started_at: String,
    /// End time (RFC 3339), once finished.
    pub finished_at: Option<String>,
    /// What happened to the completion webhook, when one is configured.
    pub webhook_status: Option<String>,
    /// Per-task results: type, status, data or error, duration.
    pub tasks: Value,
}

impl From<RunRow> for RunInfo {
    fn from(r: RunRow) -> Self {
        Self {
            tasks: serde_json::from_str(&r.tasks).unwrap_or(Value::Array(Vec::new())),
            id: r.id,
            workspace_id: r.workspace_id,
            workflow_id: r.workflow_id,
            workflow_name: r.workflow_name,
            automation_id: r.automation_id,
            trigger: r.trigger,
            status: r.status,
            error: r.error,
            scheduled_for: r.scheduled_for.map(format_millis),
            started_at: format_millis(r.started_at),
            finished_at: r.finished_at.map(format_millis),
            webhook_status: r.webhook_status,
        }
    }
}

/// Which runs [`Database::list_runs`] returns.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RunQuery {
    /// Only runs of this workflow.
    pub workflow_id: Option<String>,
    /// Only runs fired by this automation.
    pub automation_id: Option<String>,
    /// At most this many (newest first).
    pub limit: Option<u32>,
}

impl RunQuery {
    /// Only runs of this workflow.
    pub fn workflow(mut self, id: impl Into<String>) -> Self {
        self.workflow_id = Some(id.into());
        self
    }

    /// Only runs fired by this automation.
    pub fn automation(mut self, id: impl Into<String>) -> Self {
        self.automation_id = Some(id.into());
        self
    }

    /// At most `n` runs.
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }
}

impl Database {
    /// Creates an application with new client credentials. Without an
    /// `organization_id` it gets a new organization (with a `default`
    /// workspace); with one, it joins that existing organization and sees
    /// its workspaces.
    pub async fn create_application(
        &self,
        name: &str,
        organization_id: Option<&str>,
    ) -> Result<NewApplication> {
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(Error::invalid_argument("name", "must not be empty"));
        }
        let secret = random_secret("acs_");
        let hash = {
            let s = secret.clone();
            tokio::task::spawn_blocking(move || hash_secret(&s))
                .await
                .map_err(|e| Error::Execution {
                    message: format!("hashing the secret failed: {e}"),
                })??
        };
        let joined = organization_id.map(str::to_string);
        let now = chrono::Utc::now().timestamp_millis();
        let row = AppRow {
            client_id: format!("aci_{}", new_id().replace('-', "")),
            name,
            organization_id: joined.clone().unwrap_or_else(new_id),
            secret_hash: hash,
            created_at: now,
            revoked_at: None,
        };
        let stored = row.clone();
        let created = self
            .call(move |c| {
                let tx = c.transaction()?;
                if joined.is_some() {
                    let exists: bool = tx.query_row(
                        "SELECT EXISTS (SELECT 1 FROM organizations WHERE id = ?1)",
                        [&stored.organization_id],
                        |r| r.get(0),
                    )?;
                    if !exists {
                        return Ok(false);
                    }
                }
                apps::ensure_organization(&tx, &stored.organization_id, now)?;
                workspaces::ensure(&tx, &stored.organization_id, DEFAULT_WORKSPACE, now)?;
                apps::insert_app(&tx, &stored)?;
                tx.commit()?;
                Ok(true)
            })
            .await
            .map_err(|e| self.sdk_error(e))?;
        if !created {
            return Err(Error::NotFound {
                what: "organization".into(),
                name: row.organization_id,
                scope: format!("database {}", self.path().display()),
                available: self
                    .list_applications()
                    .await?
                    .into_iter()
                    .map(|a| a.organization_id)
                    .collect(),
            });
        }
        Ok(NewApplication {
            client_id: row.client_id,
            client_secret: SecretString::from(secret),
            organization_id: row.organization_id,
            name: row.name,
        })
    }

    /// Every application, oldest first.
    pub async fn list_applications(&self) -> Result<Vec<ApplicationInfo>> {
        let rows = self
            .call(|c| apps::list_apps(c))
            .await
            .map_err(|e| self.sdk_error(e))?;
        Ok(rows.into_iter().map(ApplicationInfo::from).collect())
    }

    /// Revokes an application: its tokens stop working at once and it can
    /// get no new ones.
    pub async fn revoke_application(&self, client_id: &str) -> Result<()> {
        let id = client_id.to_string();
        let now = chrono::Utc::now().timestamp_millis();
        let found = self
            .call(move |c| apps::revoke_app(c, &id, now))
            .await
            .map_err(|e| self.sdk_error(e))?;
        if found {
            Ok(())
        } else {
            Err(Error::NotFound {
                what: "application".into(),
                name: client_id.into(),
                scope: format!("database {}", self.path().display()),
                available: self
                    .list_applications()
                    .await?
                    .into_iter()
                    .map(|a| a.client_id)
                    .collect(),
            })
        }
    }

    /// Past runs, newest first.
    pub async fn list_runs(&self, query: RunQuery) -> Result<Vec<RunInfo>> {
        let filter = RunFilter {
            workspace_id: None,
            workflow_id: query.workflow_id,
            automation_id: query.automation_id,
            limit: query.limit,
        };
        let rows = self
            .call(move |c| runs::list(c, &filter))
            .await
            .map_err(|e| self.sdk_error(e))?;
        Ok(rows.into_iter().map(RunInfo::from).collect())
    }
}
