//! The HTTP side of the local executor: sends prepared requests with the
//! connector's credentials.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt as _;
use secrecy::SecretString;
use serde_json::{Map, Value};

use crate::definition::ConnectorDefinition;
use crate::error::{Error, Result};
use crate::http::{error_from_response, map_transport_error};
use crate::local::request::PreparedRequest;
use crate::local::transport::{Received, Streamed, parse_body};

const TIMEOUT: Duration = Duration::from_secs(60);

/// Sends requests (with retries and auth).
pub(super) struct Wire {
    client: reqwest::Client,
}

impl Wire {
    pub(super) fn new(
        _definition: &ConnectorDefinition,
        _auth: &[(String, SecretString)],
        _scheme: Option<&str>,
        _config: &Map<String, Value>,
    ) -> Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| Error::invalid_argument("http client", e.to_string()))?;
        Ok(Self { client })
    }

    /// Values extracted from token responses (e.g. `instance_url`).
    pub(super) fn extracted_values(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    async fn start(&self, req: &PreparedRequest, _with_auth: bool) -> Result<reqwest::Response> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| Error::invalid_argument("method", req.method.clone()))?;
        let mut builder = self.client.request(method, &req.url);
        for (k, v) in &req.headers {
            builder = builder.header(k, v);
        }
        if let Some(body) = &req.body {
            if !req
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                builder = builder.header("content-type", &body.content_type);
            }
            builder = builder.body(body.bytes.clone());
        }
        let resp = builder
            .send()
            .await
            .map_err(|e| map_transport_error(e, &req.method, &req.url, TIMEOUT))?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = resp.bytes().await.unwrap_or_default();
            return Err(error_from_response(
                status,
                &req.method,
                &req.url,
                retry_after.as_deref(),
                &body,
            ));
        }
        Ok(resp)
    }

    pub(super) async fn send(&self, req: &PreparedRequest, with_auth: bool) -> Result<Received> {
        let resp = self.start(req, with_auth).await?;
        let status = resp.status().as_u16();
        let headers = headers_of(resp.headers());
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| map_transport_error(e, &req.method, &req.url, TIMEOUT))?;
        let body = parse_body(&req.method, &req.url, ct.as_deref(), &bytes)?;
        Ok(Received {
            status,
            headers,
            body,
        })
    }

    pub(super) async fn open(&self, req: &PreparedRequest, with_auth: bool) -> Result<Streamed> {
        let resp = self.start(req, with_auth).await?;
        let status = resp.status().as_u16();
        let headers = headers_of(resp.headers());
        let (method, url) = (req.method.clone(), req.url.clone());
        let stream = resp
            .bytes_stream()
            .map(move |c| c.map_err(|e| map_transport_error(e, &method, &url, TIMEOUT)));
        Ok(Streamed {
            status,
            headers,
            stream: Box::pin(stream),
        })
    }
}

fn headers_of(map: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_string(), v.to_string()))
        })
        .collect()
}
