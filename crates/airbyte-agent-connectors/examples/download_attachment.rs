//! A download: saves a Zendesk Support ticket attachment to a file,
//! streaming it (the definition first reads the attachment's content URL,
//! then fetches the bytes).
//!
//! ```sh
//! ZENDESK_SUBDOMAIN=acme ZENDESK_EMAIL=agent@acme.com ZENDESK_API_TOKEN=… \
//!     cargo run -p airbyte-agent-connectors --example download_attachment -- ATTACHMENT_ID [DIR]
//! ```
//!
//! `ZENDESK_BASE_URL` replaces `https://SUBDOMAIN.zendesk.com/api/v2` (a
//! loopback test server); `tests/examples.rs` runs [`save_attachment`] that way.

use std::path::{Path, PathBuf};

use airbyte_agent_connectors::ZendeskSupport;
use airbyte_agent_sdk::Error;

fn env(name: &str) -> airbyte_agent_sdk::Result<String> {
    std::env::var(name).map_err(|_| Error::invalid_argument(name, "is not set"))
}

#[tokio::main]
async fn main() -> airbyte_agent_sdk::Result<()> {
    let id: i64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| Error::invalid_argument("ATTACHMENT_ID", "pass a numeric attachment id"))?;
    let dir = PathBuf::from(std::env::args().nth(2).unwrap_or_else(|| ".".into()));
    let mut local =
        ZendeskSupport::local_zendesk_api_token(env("ZENDESK_EMAIL")?, env("ZENDESK_API_TOKEN")?);
    local = match std::env::var("ZENDESK_BASE_URL") {
        Ok(url) => local.base_url(url),
        Err(_) => local.config("subdomain", env("ZENDESK_SUBDOMAIN")?),
    };
    let zendesk = local.build()?;
    let saved = save_attachment(&zendesk, id, &dir).await?;
    println!("saved {}", saved.display());
    Ok(())
}

/// Saves attachment `id` as `dir/<its file name>` (never overwriting) and
/// returns the path.
pub async fn save_attachment(
    zendesk: &ZendeskSupport,
    id: i64,
    dir: &Path,
) -> airbyte_agent_sdk::Result<PathBuf> {
    let meta = zendesk.attachments().get(id).send().await?;
    let name = meta.file_name.unwrap_or_else(|| format!("attachment-{id}"));
    let bytes = zendesk.attachments().download(id).send().await?;
    airbyte_agent_sdk::save_download(bytes, dir.join(name), false).await
}
