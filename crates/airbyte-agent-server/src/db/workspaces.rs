//! Workspaces: named scopes inside an organization.

use rusqlite::{Connection, OptionalExtension, params};

use super::{DbResult, new_id};

/// A stored workspace.
#[derive(Debug, Clone)]
pub(crate) struct WorkspaceRow {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub created_at: i64,
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<WorkspaceRow> {
    Ok(WorkspaceRow {
        id: r.get(0)?,
        organization_id: r.get(1)?,
        name: r.get(2)?,
        created_at: r.get(3)?,
    })
}

const COLUMNS: &str = "id, organization_id, name, created_at";

pub(crate) fn find_by_name(
    conn: &Connection,
    organization_id: &str,
    name: &str,
) -> DbResult<Option<WorkspaceRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM workspaces WHERE organization_id = ?1 AND name = ?2"),
            params![organization_id, name],
            from_row,
        )
        .optional()?)
}

/// The workspace with this id, only if it belongs to the organization.
pub(crate) fn get(
    conn: &Connection,
    organization_id: &str,
    id: &str,
) -> DbResult<Option<WorkspaceRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM workspaces WHERE organization_id = ?1 AND id = ?2"),
            params![organization_id, id],
            from_row,
        )
        .optional()?)
}

/// Workspaces of the organization whose name contains `fragment` (all when empty).
pub(crate) fn search(
    conn: &Connection,
    organization_id: &str,
    fragment: &str,
) -> DbResult<Vec<WorkspaceRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM workspaces
         WHERE organization_id = ?1 AND instr(name, ?2) > 0
         ORDER BY name"
    ))?;
    let rows = stmt.query_map(params![organization_id, fragment], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The workspace named `name`, created if missing.
pub(crate) fn ensure(
    conn: &Connection,
    organization_id: &str,
    name: &str,
    now: i64,
) -> DbResult<WorkspaceRow> {
    if let Some(found) = find_by_name(conn, organization_id, name)? {
        return Ok(found);
    }
    let row = WorkspaceRow {
        id: new_id(),
        organization_id: organization_id.to_string(),
        name: name.to_string(),
        created_at: now,
    };
    conn.execute(
        &format!("INSERT INTO workspaces ({COLUMNS}) VALUES (?1, ?2, ?3, ?4)"),
        params![row.id, row.organization_id, row.name, row.created_at],
    )?;
    Ok(row)
}

/// Creates a workspace; `None` when the name is taken in the organization.
pub(crate) fn create(
    conn: &Connection,
    organization_id: &str,
    name: &str,
    now: i64,
) -> DbResult<Option<WorkspaceRow>> {
    if find_by_name(conn, organization_id, name)?.is_some() {
        return Ok(None);
    }
    ensure(conn, organization_id, name, now).map(Some)
}

/// The workspace by id alone (for runs started by the scheduler).
pub(crate) fn get_by_id(conn: &Connection, id: &str) -> DbResult<Option<WorkspaceRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM workspaces WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}
