//! The embedded SQLite database: schema migrations and one module of
//! queries per area.
//!
//! One connection behind a mutex: every statement is short, SQLite
//! serializes writers anyway, and WAL mode lets other processes (the
//! `admin` and `runs` commands) read and write while a server runs.
//! Queries run on the blocking thread pool ([`Database::call`]).

pub(crate) mod apps;
pub(crate) mod automations;
pub(crate) mod connectors;
mod migrations;
pub(crate) mod oauth;
pub(crate) mod runs;
pub(crate) mod workflows;
pub(crate) mod workspaces;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

pub use migrations::SCHEMA_VERSION;

/// A failure of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite reported an error.
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database was written by a newer server.
    #[error(
        "the database has schema version {found} but this server knows up to {known}; \
         upgrade airbyte-agent-server"
    )]
    TooNew {
        /// Version found in the file.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// The blocking task running the query failed.
    #[error("database task failed: {0}")]
    Task(String),
}

/// Result of database operations.
pub(crate) type DbResult<T> = Result<T, DbError>;

/// A handle to the server's SQLite database. Cheap to clone.
#[derive(Clone)]
pub struct Database {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Opens (creating if needed) the database at `path` and applies any
    /// pending migrations.
    pub fn open(path: impl AsRef<Path>) -> airbyte_agent_sdk::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let to_err = |e: DbError| to_sdk_error(&path, e);
        let mut conn = Connection::open(&path).map_err(|e| to_err(e.into()))?;
        configure(&conn).map_err(|e| to_err(e.into()))?;
        migrations::apply(&mut conn).map_err(to_err)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the connection on the blocking thread pool.
    pub(crate) async fn call<T, F>(&self, f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> DbResult<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// Maps a database error to the SDK error reported to library callers.
    pub(crate) fn sdk_error(&self, e: DbError) -> airbyte_agent_sdk::Error {
        to_sdk_error(&self.path, e)
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn to_sdk_error(path: &Path, e: DbError) -> airbyte_agent_sdk::Error {
    airbyte_agent_sdk::Error::io(path, std::io::Error::other(e.to_string()))
}

/// A new random id (UUID v4, lower case).
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
