//! Workflows: a named list of tasks in a workspace.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbResult;

/// A stored workflow; `tasks` is the validated task list as JSON text.
#[derive(Debug, Clone)]
pub(crate) struct WorkflowRow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub tasks: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, workspace_id, name, tasks, created_at, updated_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<WorkflowRow> {
    Ok(WorkflowRow {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        name: r.get(2)?,
        tasks: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

pub(crate) fn insert(conn: &Connection, w: &WorkflowRow) -> DbResult<()> {
    conn.execute(
        &format!("INSERT INTO workflows ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        params![
            w.id,
            w.workspace_id,
            w.name,
            w.tasks,
            w.created_at,
            w.updated_at
        ],
    )?;
    Ok(())
}

pub(crate) fn list(conn: &Connection, workspace_id: &str) -> DbResult<Vec<WorkflowRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM workflows WHERE workspace_id = ?1 ORDER BY created_at, rowid"
    ))?;
    let rows = stmt.query_map([workspace_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The workflow, only if it is in the workspace.
pub(crate) fn get(
    conn: &Connection,
    workspace_id: &str,
    id: &str,
) -> DbResult<Option<WorkflowRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM workflows WHERE workspace_id = ?1 AND id = ?2"),
            params![workspace_id, id],
            from_row,
        )
        .optional()?)
}

pub(crate) fn update(conn: &Connection, w: &WorkflowRow) -> DbResult<()> {
    conn.execute(
        "UPDATE workflows SET name = ?2, tasks = ?3, updated_at = ?4 WHERE id = ?1",
        params![w.id, w.name, w.tasks, w.updated_at],
    )?;
    Ok(())
}

/// Deletes the workflow (and, by cascade, its automations).
pub(crate) fn delete(conn: &Connection, workspace_id: &str, id: &str) -> DbResult<bool> {
    let n = conn.execute(
        "DELETE FROM workflows WHERE workspace_id = ?1 AND id = ?2",
        params![workspace_id, id],
    )?;
    Ok(n > 0)
}
