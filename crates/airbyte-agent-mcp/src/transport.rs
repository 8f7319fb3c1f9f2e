//! Serving an [`McpServer`] over stdio (one client, the process that started
//! us) or streamable HTTP (`POST /mcp`, any number of sessions).

use std::future::Future;
use std::sync::Arc;

use airbyte_agent_sdk::{Error, Result};
use rmcp::ServiceExt as _;
use rmcp::service::ServerInitializeError;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService, stdio};
use tokio::net::TcpListener;

use crate::McpServer;

/// Path the HTTP transport serves.
pub const HTTP_PATH: &str = "/mcp";

impl McpServer {
    /// Serves one client on stdin/stdout until it disconnects. Logs must
    /// go to stderr: stdout carries the protocol.
    pub async fn serve_stdio(self) -> Result<()> {
        let running = match self.serve(stdio()).await {
            Ok(running) => running,
            // A client on a protocol without the initialize handshake (or one
            // that only probed) leaves before any `initialize`: a normal end.
            Err(ServerInitializeError::ConnectionClosed(_)) => {
                tracing::info!("MCP stdio client disconnected");
                return Ok(());
            }
            Err(e) => return Err(Error::io("<stdio>", std::io::Error::other(e.to_string()))),
        };
        let reason = running
            .waiting()
            .await
            .map_err(|e| Error::io("<stdio>", std::io::Error::other(e.to_string())))?;
        tracing::info!(?reason, "MCP stdio session ended");
        Ok(())
    }

    /// Serves streamable HTTP on `listener` at [`HTTP_PATH`] until `shutdown`
    /// completes. Only requests whose `Host` is a loopback name are accepted
    /// (DNS-rebinding protection), so bind a loopback address.
    pub async fn serve_http(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("<listener>", e))?;
        let config = StreamableHttpServerConfig::default();
        let cancel = config.cancellation_token.clone();
        let service = StreamableHttpService::new(
            move || Ok(self.clone()),
            Arc::new(LocalSessionManager::default()),
            config,
        );
        let app = axum::Router::new().nest_service(HTTP_PATH, service);
        tracing::info!(%addr, path = HTTP_PATH, "MCP HTTP server listening");
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                // Ends open SSE streams so the server can stop.
                cancel.cancel();
            })
            .await
            .map_err(|e| Error::io(addr.to_string(), e))
    }
}
