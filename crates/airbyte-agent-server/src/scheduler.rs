//! Schedules and the scheduler that runs due automations.
//!
//! An automation stores the next time its cron schedule fires
//! (`next_run_at`). The scheduler runs every automation whose time has come,
//! then moves its time to the next occurrence after now. A server that was
//! stopped through several occurrences runs a missed automation once on
//! start, not once per missed occurrence. Time comes from the server's
//! [`Clock`](crate::Clock), so tests move it instead of waiting.

use std::str::FromStr as _;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use crate::clock::{from_millis, to_millis};
use crate::db::automations::{self, AutomationRow};
use crate::db::runs::RunRow;
use crate::db::workflows;
use crate::state::AppState;
use crate::workflow::{Trigger, run_workflow};

/// Longest the scheduler sleeps before looking again (bounds the effect of
/// clock jumps and of changes made by other processes).
const MAX_IDLE: Duration = Duration::from_secs(30);

/// A parsed cron schedule in a time zone.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    cron: Cron,
    tz: Tz,
}

impl Schedule {
    /// Parses a five-field cron expression (`minute hour day-of-month month
    /// day-of-week`, or `@hourly`-style aliases) and an IANA time zone.
    pub fn parse(expression: &str, timezone: &str) -> Result<Self, String> {
        let tz = parse_timezone(timezone)?;
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(expression)
            .map_err(|e| {
                format!(
                    "invalid cron expression `{expression}`: {e}; use five fields \
                     (minute hour day-of-month month day-of-week), e.g. `0 9 * * 1-5`"
                )
            })?;
        Ok(Self { cron, tz })
    }

    /// The first time the schedule fires strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_next_occurrence(&after.with_timezone(&self.tz), false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// An IANA time zone name, e.g. `Europe/Paris`.
pub(crate) fn parse_timezone(name: &str) -> Result<Tz, String> {
    Tz::from_str(name.trim()).map_err(|_| {
        format!(
            "unknown time zone `{name}`; use an IANA name such as `UTC`, `Europe/Paris` \
             or `America/New_York`"
        )
    })
}

/// When an automation should next run after `now`: `None` when it is
/// disabled or has no schedule.
pub(crate) fn next_run(a: &AutomationRow, now: DateTime<Utc>) -> Option<i64> {
    if !a.enabled {
        return None;
    }
    let schedule = Schedule::parse(a.cron_expression.as_deref()?, &a.timezone).ok()?;
    schedule.next_after(now).map(to_millis)
}

/// Runs every automation due now and returns the runs, in due order.
pub(crate) async fn run_due(state: &AppState) -> Vec<RunRow> {
    let now = state.clock.now();
    let due = match state
        .db
        .call(move |c| automations::due(c, to_millis(now)))
        .await
    {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "could not read due automations");
            return Vec::new();
        }
    };
    let mut runs = Vec::new();
    for automation in due {
        if let Some(run) = fire(state, automation, now).await {
            runs.push(run);
        }
    }
    runs
}

/// Claims one due automation (moving its next time first, so a crash
/// mid-run does not repeat it in a loop) and runs its workflow.
async fn fire(state: &AppState, automation: AutomationRow, now: DateTime<Utc>) -> Option<RunRow> {
    let due_at = automation.next_run_at?;
    let next = next_run(&automation, now);
    let id = automation.id.clone();
    let claimed = state
        .db
        .call(move |c| automations::advance(c, &id, due_at, next))
        .await
        .unwrap_or(false);
    if !claimed {
        return None;
    }
    let (wf_id, ws_id) = (
        automation.workflow_id.clone(),
        automation.workspace_id.clone(),
    );
    let workflow = state
        .db
        .call(move |c| workflows::get(c, &ws_id, &wf_id))
        .await
        .ok()
        .flatten()?;
    tracing::info!(automation = %automation.id, due = %from_millis(due_at), "automation due");
    let trigger = Trigger {
        kind: "schedule",
        automation: Some(automation),
        scheduled_for: Some(due_at),
    };
    match run_workflow(state, &workflow, trigger).await {
        Ok(run) => Some(run),
        Err(e) => {
            tracing::error!(workflow = %workflow.id, error = %e, "could not record a run");
            None
        }
    }
}

/// Runs due automations until `shutdown` resolves: wakes at the next due
/// time, when automations change, and at least every [`MAX_IDLE`].
pub(crate) async fn run_loop(state: AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut shutdown = shutdown;
    loop {
        if *shutdown.borrow() {
            return;
        }
        run_due(&state).await;
        let next = state
            .db
            .call(|c| automations::next_due(c))
            .await
            .ok()
            .flatten();
        let wait = match next {
            Some(at) => (from_millis(at) - state.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(MAX_IDLE),
            None => MAX_IDLE,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = state.scheduler_wake.notified() => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn next_occurrence_honours_the_time_zone() {
        let s = Schedule::parse("0 9 * * *", "Europe/Paris").unwrap();
        // 09:00 in Paris in January is 08:00 UTC.
        assert_eq!(
            s.next_after(at("2026-01-10T07:00:00Z")),
            Some(at("2026-01-10T08:00:00Z"))
        );
        // Strictly after: the occurrence at `after` itself is skipped.
        assert_eq!(
            s.next_after(at("2026-01-10T08:00:00Z")),
            Some(at("2026-01-11T08:00:00Z"))
        );
        let utc = Schedule::parse("*/15 * * * *", "UTC").unwrap();
        assert_eq!(
            utc.next_after(at("2026-01-10T07:01:00Z")),
            Some(at("2026-01-10T07:15:00Z"))
        );
        assert!(Schedule::parse("@hourly", "UTC").is_ok());
    }

    #[test]
    fn bad_schedules_are_explained() {
        let e = Schedule::parse("61 * * * *", "UTC").unwrap_err();
        assert!(e.contains("five fields"), "{e}");
        let e = Schedule::parse("* * * * * *", "UTC").unwrap_err();
        assert!(e.contains("invalid cron"), "{e}");
        let e = Schedule::parse("0 9 * * *", "Mars/Olympus").unwrap_err();
        assert!(e.contains("IANA"), "{e}");
    }
}
