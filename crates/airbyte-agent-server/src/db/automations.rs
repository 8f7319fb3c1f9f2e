//! Automations: triggers attached to workflows, with their next due time.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbResult;

/// A stored automation.
#[derive(Debug, Clone)]
pub(crate) struct AutomationRow {
    pub id: String,
    pub workflow_id: String,
    pub workspace_id: String,
    pub enabled: bool,
    pub trigger_type: String,
    pub cron_expression: Option<String>,
    pub timezone: String,
    pub completion_webhook_url: Option<String>,
    /// When the schedule next fires (ms); `None` when disabled or unscheduled.
    pub next_run_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, workflow_id, workspace_id, enabled, trigger_type, cron_expression,
    timezone, completion_webhook_url, next_run_at, created_at, updated_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AutomationRow> {
    Ok(AutomationRow {
        id: r.get(0)?,
        workflow_id: r.get(1)?,
        workspace_id: r.get(2)?,
        enabled: r.get(3)?,
        trigger_type: r.get(4)?,
        cron_expression: r.get(5)?,
        timezone: r.get(6)?,
        completion_webhook_url: r.get(7)?,
        next_run_at: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

pub(crate) fn insert(conn: &Connection, a: &AutomationRow) -> DbResult<()> {
    conn.execute(
        &format!(
            "INSERT INTO automations ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ),
        params![
            a.id,
            a.workflow_id,
            a.workspace_id,
            a.enabled,
            a.trigger_type,
            a.cron_expression,
            a.timezone,
            a.completion_webhook_url,
            a.next_run_at,
            a.created_at,
            a.updated_at
        ],
    )?;
    Ok(())
}

pub(crate) fn list(conn: &Connection, workflow_id: &str) -> DbResult<Vec<AutomationRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM automations WHERE workflow_id = ?1 ORDER BY created_at, rowid"
    ))?;
    let rows = stmt.query_map([workflow_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The automation, only if it belongs to the workflow.
pub(crate) fn get(
    conn: &Connection,
    workflow_id: &str,
    id: &str,
) -> DbResult<Option<AutomationRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM automations WHERE workflow_id = ?1 AND id = ?2"),
            params![workflow_id, id],
            from_row,
        )
        .optional()?)
}

pub(crate) fn update(conn: &Connection, a: &AutomationRow) -> DbResult<()> {
    conn.execute(
        "UPDATE automations SET enabled = ?2, trigger_type = ?3, cron_expression = ?4,
            timezone = ?5, completion_webhook_url = ?6, next_run_at = ?7, updated_at = ?8
         WHERE id = ?1",
        params![
            a.id,
            a.enabled,
            a.trigger_type,
            a.cron_expression,
            a.timezone,
            a.completion_webhook_url,
            a.next_run_at,
            a.updated_at
        ],
    )?;
    Ok(())
}

pub(crate) fn delete(conn: &Connection, workflow_id: &str, id: &str) -> DbResult<bool> {
    let n = conn.execute(
        "DELETE FROM automations WHERE workflow_id = ?1 AND id = ?2",
        params![workflow_id, id],
    )?;
    Ok(n > 0)
}

/// Enabled automations due at or before `now`, earliest first.
pub(crate) fn due(conn: &Connection, now: i64) -> DbResult<Vec<AutomationRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM automations
         WHERE enabled = 1 AND next_run_at IS NOT NULL AND next_run_at <= ?1
         ORDER BY next_run_at, rowid"
    ))?;
    let rows = stmt.query_map([now], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The earliest pending due time of any enabled automation.
pub(crate) fn next_due(conn: &Connection) -> DbResult<Option<i64>> {
    Ok(conn.query_row(
        "SELECT MIN(next_run_at) FROM automations WHERE enabled = 1",
        [],
        |r| r.get(0),
    )?)
}

/// Moves the automation's next due time, only if it is still `expected`
/// (so a concurrent update of the schedule wins). `true` when claimed.
pub(crate) fn advance(
    conn: &Connection,
    id: &str,
    expected: i64,
    next: Option<i64>,
) -> DbResult<bool> {
    let n = conn.execute(
        "UPDATE automations SET next_run_at = ?3 WHERE id = ?1 AND next_run_at = ?2",
        params![id, expected, next],
    )?;
    Ok(n > 0)
}
