//! Connectors: a definition plus sealed vendor credentials in a workspace.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbResult;

/// A stored connector. `credentials` is sealed (see [`crate::crypto`]).
#[derive(Clone)]
pub(crate) struct ConnectorRow {
    pub id: String,
    pub workspace_id: String,
    pub workspace_name: String,
    pub name: String,
    pub definition_id: String,
    pub credentials: Option<Vec<u8>>,
    pub replication_config: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for ConnectorRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorRow")
            .field("id", &self.id)
            .field("workspace_id", &self.workspace_id)
            .field("name", &self.name)
            .field("definition_id", &self.definition_id)
            .finish_non_exhaustive()
    }
}

const SELECT: &str = "SELECT c.id, c.workspace_id, w.name, c.name, c.definition_id, c.credentials,
        c.replication_config, c.created_at, c.updated_at
    FROM connectors c JOIN workspaces w ON w.id = c.workspace_id";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConnectorRow> {
    Ok(ConnectorRow {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        workspace_name: r.get(2)?,
        name: r.get(3)?,
        definition_id: r.get(4)?,
        credentials: r.get(5)?,
        replication_config: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

pub(crate) fn insert(conn: &Connection, c: &ConnectorRow) -> DbResult<()> {
    conn.execute(
        "INSERT INTO connectors (id, workspace_id, name, definition_id, credentials,
            replication_config, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            c.id,
            c.workspace_id,
            c.name,
            c.definition_id,
            c.credentials,
            c.replication_config,
            c.created_at,
            c.updated_at
        ],
    )?;
    Ok(())
}

/// Connectors of the organization, optionally of one workspace (by name)
/// and one definition, oldest first.
pub(crate) fn list(
    conn: &Connection,
    organization_id: &str,
    workspace_name: Option<&str>,
    definition_id: Option<&str>,
) -> DbResult<Vec<ConnectorRow>> {
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE w.organization_id = ?1
            AND (?2 IS NULL OR w.name = ?2)
            AND (?3 IS NULL OR lower(c.definition_id) = lower(?3))
         ORDER BY c.created_at, c.rowid"
    ))?;
    let rows = stmt.query_map(
        params![organization_id, workspace_name, definition_id],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Connectors of one workspace (by id).
pub(crate) fn list_in_workspace(
    conn: &Connection,
    workspace_id: &str,
) -> DbResult<Vec<ConnectorRow>> {
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE c.workspace_id = ?1 ORDER BY c.created_at, c.rowid"
    ))?;
    let rows = stmt.query_map([workspace_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The connector with this id, only if its workspace is in the organization.
pub(crate) fn get(
    conn: &Connection,
    organization_id: &str,
    id: &str,
) -> DbResult<Option<ConnectorRow>> {
    Ok(conn
        .query_row(
            &format!("{SELECT} WHERE w.organization_id = ?1 AND c.id = ?2"),
            params![organization_id, id],
            from_row,
        )
        .optional()?)
}

/// The connector with this id, whoever owns it (for the scheduler).
pub(crate) fn get_any(conn: &Connection, id: &str) -> DbResult<Option<ConnectorRow>> {
    Ok(conn
        .query_row(&format!("{SELECT} WHERE c.id = ?1"), [id], from_row)
        .optional()?)
}

/// Deletes the connector if the organization owns it.
pub(crate) fn delete(conn: &Connection, organization_id: &str, id: &str) -> DbResult<bool> {
    let n = conn.execute(
        "DELETE FROM connectors WHERE id = ?1 AND workspace_id IN
            (SELECT id FROM workspaces WHERE organization_id = ?2)",
        params![id, organization_id],
    )?;
    Ok(n > 0)
}

/// Replaces the sealed credentials (after an OAuth token refresh).
pub(crate) fn update_credentials(
    conn: &Connection,
    id: &str,
    sealed: &[u8],
    now: i64,
) -> DbResult<()> {
    conn.execute(
        "UPDATE connectors SET credentials = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, sealed, now],
    )?;
    Ok(())
}
