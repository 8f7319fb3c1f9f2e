//! The local execution engine: runs connector operations directly against
//! the vendor's API from a connector definition.
//!
//! The pieces are pure functions over `serde_json` values so they can be
//! tested without I/O; [`LocalExecutor`](crate::executor::local::LocalExecutor)
//! assembles them with the shared HTTP sender and auth.
//!
//! | step | module |
//! |---|---|
//! | the operation as the engine sees it | [`operation`] |
//! | parameter checks before any I/O | [`validate`] |
//! | URL, path templating, query, headers | [`request`], [`query`] |
//! | JSON / form / multipart / GraphQL bodies | [`body`] |
//! | records, metadata, error envelope, file URLs | [`extract`] |
//! | record filters, transforms, scoping templates | [`template`] |
//! | following pages | [`paginate`] |
//! | download streams and JSON chunks | [`download`] |
//! | response parsing | [`transport`] |
//!
//! # Wire compatibility
//!
//! Requests are built byte-for-byte like the reference engine's: path
//! values are percent-encoded with nothing kept, query strings and form
//! bodies are `application/x-www-form-urlencoded` (`+` for spaces, arrays
//! repeated, booleans `true`/`false`, `null` empty), JSON bodies are compact
//! with floats in shortest-repr form (`1e+20`), and non-string values placed
//! in paths, headers or joined arrays use the reference's text (`True`,
//! `['a']`) — see [`pystr`].
//!
//! # Where the engine deliberately differs from the reference
//!
//! - An object or array given for a scalar path, query or header parameter
//!   is rejected ([`InvalidParameter`](crate::Error::InvalidParameter));
//!   the reference sends its Python text (`{'a': 1}`).
//! - A header value outside printable ASCII is rejected before sending
//!   (`InvalidParameter`); the reference fails while sending.
//! - A GraphQL variable listed in `x-airbyte-nullable-variables` keeps an
//!   explicit `null` from the caller; the reference drops it (its lookup of
//!   that list never matches).
//! - `multipart/form-data` bodies are refused (no upstream definition uses
//!   them); the reference sends no body at all.
//! - Pagination is ours: the reference only returns one page and its
//!   metadata. See [`paginate`] for how the style is inferred.
//! - `execute` on a download needs `_airbyte_response_type: "json"` (one
//!   bounded chunk); the byte stream is returned by
//!   [`Executor::download`](crate::Executor::download).
//! - Templated probe defaults (`{{ now_utc() ... }}`) are not evaluated by
//!   `check`; plain probe defaults and query defaults are.

pub mod body;
pub mod download;
pub mod extract;
pub mod lazy_records;
pub mod operation;
pub mod paginate;
pub mod pystr;
pub mod query;
pub mod request;
pub mod template;
pub mod transport;
pub mod validate;
