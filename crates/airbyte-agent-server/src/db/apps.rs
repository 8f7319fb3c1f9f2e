//! Applications (client credentials), organizations, access tokens and the
//! `meta` table.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbResult;

/// A stored application.
#[derive(Debug, Clone)]
pub(crate) struct AppRow {
    pub client_id: String,
    pub name: String,
    pub organization_id: String,
    pub secret_hash: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

const APP_COLUMNS: &str = "client_id, name, organization_id, secret_hash, created_at, revoked_at";

fn app_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AppRow> {
    Ok(AppRow {
        client_id: r.get(0)?,
        name: r.get(1)?,
        organization_id: r.get(2)?,
        secret_hash: r.get(3)?,
        created_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

/// Creates the organization if it does not exist yet.
pub(crate) fn ensure_organization(conn: &Connection, id: &str, now: i64) -> DbResult<()> {
    conn.execute(
        "INSERT OR IGNORE INTO organizations (id, created_at) VALUES (?1, ?2)",
        params![id, now],
    )?;
    Ok(())
}

pub(crate) fn insert_app(conn: &Connection, app: &AppRow) -> DbResult<()> {
    conn.execute(
        &format!("INSERT INTO applications ({APP_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        params![
            app.client_id,
            app.name,
            app.organization_id,
            app.secret_hash,
            app.created_at,
            app.revoked_at
        ],
    )?;
    Ok(())
}

pub(crate) fn list_apps(conn: &Connection) -> DbResult<Vec<AppRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {APP_COLUMNS} FROM applications ORDER BY created_at, rowid"
    ))?;
    let rows = stmt.query_map([], app_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn find_app(conn: &Connection, client_id: &str) -> DbResult<Option<AppRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {APP_COLUMNS} FROM applications WHERE client_id = ?1"),
            [client_id],
            app_from_row,
        )
        .optional()?)
}

/// Marks the application revoked and drops its tokens. `false` when there
/// is no such application.
pub(crate) fn revoke_app(conn: &mut Connection, client_id: &str, now: i64) -> DbResult<bool> {
    let tx = conn.transaction()?;
    let changed = tx.execute(
        "UPDATE applications SET revoked_at = COALESCE(revoked_at, ?2) WHERE client_id = ?1",
        params![client_id, now],
    )?;
    tx.execute(
        "DELETE FROM access_tokens WHERE client_id = ?1",
        [client_id],
    )?;
    tx.commit()?;
    Ok(changed > 0)
}

pub(crate) fn insert_token(
    conn: &Connection,
    token_hash: &str,
    client_id: &str,
    expires_at: i64,
    now: i64,
) -> DbResult<()> {
    // Expired tokens are useless: drop them as new ones are issued.
    conn.execute("DELETE FROM access_tokens WHERE expires_at <= ?1", [now])?;
    conn.execute(
        "INSERT INTO access_tokens (token_hash, client_id, expires_at) VALUES (?1, ?2, ?3)",
        params![token_hash, client_id, expires_at],
    )?;
    Ok(())
}

/// The application owning a token and the token's expiry.
pub(crate) fn find_token(conn: &Connection, token_hash: &str) -> DbResult<Option<(AppRow, i64)>> {
    Ok(conn
        .query_row(
            "SELECT a.client_id, a.name, a.organization_id, a.secret_hash, a.created_at,
                    a.revoked_at, t.expires_at
             FROM access_tokens t JOIN applications a ON a.client_id = t.client_id
             WHERE t.token_hash = ?1",
            [token_hash],
            |r| Ok((app_from_row(r)?, r.get(6)?)),
        )
        .optional()?)
}

pub(crate) fn get_meta(conn: &Connection, key: &str) -> DbResult<Option<Vec<u8>>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &[u8]) -> DbResult<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
