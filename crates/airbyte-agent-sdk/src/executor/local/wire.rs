//! The HTTP side of the local executor: sends prepared requests through the
//! shared [`HttpSender`] (retries, timeouts) with the connector's
//! [`Authenticator`].

use std::collections::BTreeMap;

use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::{Map, Value};

use crate::definition::ConnectorDefinition;
use crate::error::{Error, Result};
use crate::http::auth::{AuthContext, AuthOptions, Authenticator, Credentials};
use crate::http::{HttpRequest, HttpSender, RequestBody, RetryPolicy, SenderConfig};
use crate::local::pystr::py_str;
use crate::local::request::PreparedRequest;
use crate::local::transport::{Fetched, Received, Streamed, parse_body};

/// Sends requests with retries and credentials.
pub(super) struct Wire {
    sender: HttpSender,
    auth: Option<Authenticator>,
    /// Headers the auth scheme sets (overwriting header parameters).
    auth_headers: Vec<String>,
    /// The token response supplies config values (`x-airbyte-token-extract`,
    /// e.g. `instance_url`), so the base URL is only known after a token.
    base_url_from_token: bool,
}

/// How the wire is set up: the sender (pool, timeouts) and auth hooks.
pub(super) struct WireOptions {
    pub sender: Option<HttpSender>,
    pub context: AuthContext,
}

impl Wire {
    pub(super) fn new(
        definition: &ConnectorDefinition,
        credentials: &Credentials,
        scheme: Option<&str>,
        config: &Map<String, Value>,
        options: WireOptions,
    ) -> Result<Self> {
        let sender = match options.sender {
            Some(s) => s,
            None => HttpSender::new(SenderConfig::default())?,
        }
        .with_retry_policy(RetryPolicy::from(&definition.retry_config()));
        let auth = if definition.auth_options.is_empty() {
            None
        } else {
            let values: BTreeMap<String, String> =
                config.iter().map(|(k, v)| (k.clone(), py_str(v))).collect();
            let context = options.context.config_values(values).sender(sender.clone());
            Some(AuthOptions::from_definition(definition)?.authenticator(
                credentials,
                scheme,
                context,
            )?)
        };
        let option = auth
            .as_ref()
            .and_then(|a| definition.auth_option(a.scheme_name()));
        let base_url_from_token = option.is_some_and(|o| !o.token_extract.is_empty());
        let auth_headers = option
            .map(|o| {
                let mut names: Vec<String> = o.additional_headers.keys().cloned().collect();
                names.push(o.header.clone().unwrap_or_else(|| "Authorization".into()));
                names
            })
            .unwrap_or_default();
        Ok(Self {
            sender,
            auth,
            auth_headers,
            base_url_from_token,
        })
    }

    /// Names of the headers the auth scheme sets.
    pub(super) fn auth_headers(&self) -> &[String] {
        &self.auth_headers
    }

    /// Whether the base URL depends on values from a token response.
    pub(super) fn base_url_from_token(&self) -> bool {
        self.base_url_from_token
    }

    /// Values extracted from token responses (e.g. `instance_url`).
    pub(super) fn extracted_values(&self) -> BTreeMap<String, String> {
        self.auth
            .as_ref()
            .map(Authenticator::extracted_values)
            .unwrap_or_default()
    }

    /// Obtains credentials now when the auth needs a first token exchange.
    pub(super) async fn ensure_ready(&self) -> Result<()> {
        match &self.auth {
            Some(a) => a.ensure_ready().await,
            None => Ok(()),
        }
    }

    fn request(&self, req: &PreparedRequest, with_auth: bool) -> Result<HttpRequest> {
        let method = Method::from_bytes(req.method.as_bytes())
            .map_err(|_| Error::invalid_argument("method", req.method.clone()))?;
        let url = url::Url::parse(&req.url).map_err(|e| {
            Error::invalid_argument(
                "url",
                format!("{}: {e}", crate::error::sanitize_url(&req.url)),
            )
        })?;
        let mut http = HttpRequest::new(method, url);
        let mut headers = req.headers.clone();
        if let Some(body) = &req.body
            && !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            headers.push(("Content-Type".into(), body.content_type.clone()));
        }
        for (name, value) in &headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::invalid_argument("header", format!("`{name}` is not a valid header name"))
            })?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                Error::invalid_argument(
                    "header",
                    format!("the value of `{name}` cannot be sent in a header"),
                )
            })?;
            http.headers_mut().append(name, value);
        }
        if let Some(body) = &req.body {
            http = http.with_body(RequestBody::Bytes(body.bytes.clone()));
        }
        if with_auth && let Some(auth) = &self.auth {
            http = http.auth(auth.clone());
        }
        Ok(http)
    }

    /// Sends and reads the whole (JSON) body.
    pub(super) async fn send(&self, req: &PreparedRequest, with_auth: bool) -> Result<Received> {
        let fetched = self.fetch(req, with_auth).await?;
        let body = parse_body(
            &req.method,
            &req.url,
            fetched.content_type.as_deref(),
            &fetched.body,
        )?;
        Ok(Received {
            status: fetched.status,
            headers: fetched.headers,
            body,
        })
    }

    /// Sends and reads the whole body, unparsed.
    pub(super) async fn fetch(&self, req: &PreparedRequest, with_auth: bool) -> Result<Fetched> {
        let resp = self
            .sender
            .send_buffered(self.request(req, with_auth)?)
            .await?;
        Ok(Fetched {
            status: resp.status.as_u16(),
            headers: headers_of(&resp.headers),
            content_type: resp.header("content-type").map(str::to_string),
            body: resp.body,
        })
    }

    /// Sends and returns the body as a stream.
    pub(super) async fn open(&self, req: &PreparedRequest, with_auth: bool) -> Result<Streamed> {
        let resp = self.sender.send(self.request(req, with_auth)?).await?;
        let status = resp.status().as_u16();
        let headers = headers_of(resp.headers());
        Ok(Streamed {
            status,
            headers,
            stream: resp.into_byte_stream(),
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
