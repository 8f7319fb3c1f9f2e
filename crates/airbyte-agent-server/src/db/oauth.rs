//! OAuth app credentials per organization and connector type (sealed), and
//! pending consent flows keyed by the hash of their `state`.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbResult;

pub(crate) fn upsert_app_credentials(
    conn: &Connection,
    organization_id: &str,
    connector_type: &str,
    sealed: &[u8],
    now: i64,
) -> DbResult<()> {
    conn.execute(
        "INSERT INTO oauth_app_credentials (organization_id, connector_type, configuration, updated_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (organization_id, connector_type)
         DO UPDATE SET configuration = excluded.configuration, updated_at = excluded.updated_at",
        params![organization_id, connector_type, sealed, now],
    )?;
    Ok(())
}

pub(crate) fn delete_app_credentials(
    conn: &Connection,
    organization_id: &str,
    connector_type: &str,
) -> DbResult<bool> {
    let n = conn.execute(
        "DELETE FROM oauth_app_credentials WHERE organization_id = ?1 AND connector_type = ?2",
        params![organization_id, connector_type],
    )?;
    Ok(n > 0)
}

pub(crate) fn get_app_credentials(
    conn: &Connection,
    organization_id: &str,
    connector_type: &str,
) -> DbResult<Option<Vec<u8>>> {
    Ok(conn
        .query_row(
            "SELECT configuration FROM oauth_app_credentials
             WHERE organization_id = ?1 AND connector_type = ?2",
            params![organization_id, connector_type],
            |r| r.get(0),
        )
        .optional()?)
}

pub(crate) fn insert_flow(
    conn: &Connection,
    state_hash: &str,
    workspace_id: &str,
    request: &str,
    expires_at: i64,
) -> DbResult<()> {
    conn.execute(
        "INSERT INTO oauth_flows (state_hash, workspace_id, request, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![state_hash, workspace_id, request, expires_at],
    )?;
    Ok(())
}

/// Removes and returns the flow for a state if it has not expired: a state
/// is usable once.
pub(crate) fn take_flow(
    conn: &mut Connection,
    state_hash: &str,
    now: i64,
) -> DbResult<Option<(String, String)>> {
    let tx = conn.transaction()?;
    let found: Option<(String, String, i64)> = tx
        .query_row(
            "SELECT workspace_id, request, expires_at FROM oauth_flows WHERE state_hash = ?1",
            [state_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    tx.execute(
        "DELETE FROM oauth_flows WHERE state_hash = ?1 OR expires_at <= ?2",
        params![state_hash, now],
    )?;
    tx.commit()?;
    Ok(found
        .filter(|(_, _, expires)| *expires > now)
        .map(|(ws, req, _)| (ws, req)))
}
