//! Runs: one execution of a workflow, with its outcome.

use rusqlite::{Connection, params};

use super::DbResult;

/// A stored run. `tasks` is the JSON array of per-task results.
#[derive(Debug, Clone)]
pub(crate) struct RunRow {
    pub id: String,
    pub workspace_id: String,
    pub workflow_id: String,
    pub workflow_name: String,
    pub automation_id: Option<String>,
    pub trigger: String,
    pub status: String,
    pub error: Option<String>,
    pub tasks: String,
    pub scheduled_for: Option<i64>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub webhook_status: Option<String>,
}

const COLUMNS: &str = "id, workspace_id, workflow_id, workflow_name, automation_id, trigger,
    status, error, tasks, scheduled_for, started_at, finished_at, webhook_status";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRow> {
    Ok(RunRow {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        workflow_id: r.get(2)?,
        workflow_name: r.get(3)?,
        automation_id: r.get(4)?,
        trigger: r.get(5)?,
        status: r.get(6)?,
        error: r.get(7)?,
        tasks: r.get(8)?,
        scheduled_for: r.get(9)?,
        started_at: r.get(10)?,
        finished_at: r.get(11)?,
        webhook_status: r.get(12)?,
    })
}

pub(crate) fn insert(conn: &Connection, run: &RunRow) -> DbResult<()> {
    conn.execute(
        &format!(
            "INSERT INTO runs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        ),
        params![
            run.id,
            run.workspace_id,
            run.workflow_id,
            run.workflow_name,
            run.automation_id,
            run.trigger,
            run.status,
            run.error,
            run.tasks,
            run.scheduled_for,
            run.started_at,
            run.finished_at,
            run.webhook_status
        ],
    )?;
    Ok(())
}

/// Records how a run ended.
pub(crate) fn finish(conn: &Connection, run: &RunRow) -> DbResult<()> {
    conn.execute(
        "UPDATE runs SET status = ?2, error = ?3, tasks = ?4, finished_at = ?5 WHERE id = ?1",
        params![run.id, run.status, run.error, run.tasks, run.finished_at],
    )?;
    Ok(())
}

pub(crate) fn set_webhook_status(conn: &Connection, id: &str, status: &str) -> DbResult<()> {
    conn.execute(
        "UPDATE runs SET webhook_status = ?2 WHERE id = ?1",
        params![id, status],
    )?;
    Ok(())
}

/// Filters for [`list`]; unset fields match everything.
#[derive(Debug, Clone, Default)]
pub(crate) struct RunFilter {
    pub workspace_id: Option<String>,
    pub workflow_id: Option<String>,
    pub automation_id: Option<String>,
    pub limit: Option<u32>,
}

/// Runs, newest first.
pub(crate) fn list(conn: &Connection, f: &RunFilter) -> DbResult<Vec<RunRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM runs
         WHERE (?1 IS NULL OR workspace_id = ?1)
           AND (?2 IS NULL OR workflow_id = ?2)
           AND (?3 IS NULL OR automation_id = ?3)
         ORDER BY started_at DESC, rowid DESC
         LIMIT ?4"
    ))?;
    let limit = i64::from(f.limit.unwrap_or(u32::MAX));
    let rows = stmt.query_map(
        params![f.workspace_id, f.workflow_id, f.automation_id, limit],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Runs left `running` by a server that stopped mid-run are marked failed
/// at start-up, so they do not look alive forever.
pub(crate) fn fail_interrupted(conn: &Connection, now: i64) -> DbResult<usize> {
    Ok(conn.execute(
        "UPDATE runs SET status = 'error',
            error = 'the server stopped before the run finished', finished_at = ?1
         WHERE status = 'running'",
        [now],
    )?)
}
