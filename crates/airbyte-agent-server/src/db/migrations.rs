//! Versioned schema migrations, tracked in SQLite's `user_version`.
//!
//! Each entry upgrades the schema by one version and runs in its own
//! transaction. Never edit a released entry: append a new one.

use rusqlite::Connection;

use super::{DbError, DbResult};

const MIGRATIONS: &[&str] = &[
    // 1: applications, tokens, workspaces, connectors, workflows,
    //    automations, runs, OAuth app credentials and pending OAuth flows.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );
    CREATE TABLE organizations (
        id         TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE applications (
        client_id       TEXT PRIMARY KEY,
        name            TEXT NOT NULL,
        organization_id TEXT NOT NULL REFERENCES organizations(id),
        secret_hash     TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        revoked_at      INTEGER
    );
    CREATE TABLE access_tokens (
        token_hash TEXT PRIMARY KEY,
        client_id  TEXT NOT NULL REFERENCES applications(client_id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX access_tokens_by_expiry ON access_tokens(expires_at);
    CREATE TABLE workspaces (
        id              TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organizations(id),
        name            TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        UNIQUE (organization_id, name)
    );
    CREATE TABLE connectors (
        id                 TEXT PRIMARY KEY,
        workspace_id       TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name               TEXT NOT NULL,
        definition_id      TEXT NOT NULL,
        credentials        BLOB,
        replication_config TEXT,
        created_at         INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL
    );
    CREATE INDEX connectors_by_workspace ON connectors(workspace_id, definition_id);
    CREATE TABLE workflows (
        id           TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name         TEXT NOT NULL,
        tasks        TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
    );
    CREATE INDEX workflows_by_workspace ON workflows(workspace_id);
    CREATE TABLE automations (
        id                     TEXT PRIMARY KEY,
        workflow_id            TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
        workspace_id           TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        enabled                INTEGER NOT NULL,
        trigger_type           TEXT NOT NULL,
        cron_expression        TEXT,
        timezone               TEXT NOT NULL,
        completion_webhook_url TEXT,
        next_run_at            INTEGER,
        created_at             INTEGER NOT NULL,
        updated_at             INTEGER NOT NULL
    );
    CREATE INDEX automations_by_next_run ON automations(enabled, next_run_at);
    CREATE TABLE runs (
        id             TEXT PRIMARY KEY,
        workspace_id   TEXT NOT NULL,
        workflow_id    TEXT NOT NULL,
        workflow_name  TEXT NOT NULL,
        automation_id  TEXT,
        trigger        TEXT NOT NULL,
        status         TEXT NOT NULL,
        error          TEXT,
        tasks          TEXT NOT NULL,
        scheduled_for  INTEGER,
        started_at     INTEGER NOT NULL,
        finished_at    INTEGER,
        webhook_status TEXT
    );
    CREATE INDEX runs_by_start ON runs(started_at);
    CREATE TABLE oauth_app_credentials (
        organization_id TEXT NOT NULL REFERENCES organizations(id),
        connector_type  TEXT NOT NULL,
        configuration   BLOB NOT NULL,
        updated_at      INTEGER NOT NULL,
        PRIMARY KEY (organization_id, connector_type)
    );
    CREATE TABLE oauth_flows (
        state_hash   TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        request      TEXT NOT NULL,
        expires_at   INTEGER NOT NULL
    );
    "#,
];

/// The schema version this build creates and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the schema up to [`SCHEMA_VERSION`].
pub(super) fn apply(conn: &mut Connection) -> DbResult<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(DbError::TooNew {
            found: current,
            known: SCHEMA_VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = index as i64 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "applied database migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_refuse_newer_files() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn).unwrap();
        apply(&mut conn).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let e = apply(&mut conn).unwrap_err().to_string();
        assert!(e.contains("upgrade"), "{e}");
    }
}
