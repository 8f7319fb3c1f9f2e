//! Auth strategies against loopback servers: the exact headers and query
//! parameters produced, and OAuth2 refresh (on expiry, on 401, single-flight,
//! callback).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use airbyte_agent_sdk::ErrorKind;
use airbyte_agent_sdk::http::auth::{
    ApiKeyLocation, AuthContext, AuthOptions, AuthScheme, Authenticator, ClientAuthStyle,
    CredentialMapping, Credentials, OAuth2Config, RefreshedTokens, SchemeKind, TokenBodyFormat,
};
use airbyte_agent_sdk::http::{HttpRequest, HttpSender, RetryPolicy, SenderConfig};
use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use secrecy::ExposeSecret;
use serde_json::json;
use url::Url;

fn sender() -> HttpSender {
    let mut p =
        RetryPolicy::default().with_delays(Duration::from_millis(5), Duration::from_millis(20));
    p.jitter = false;
    HttpSender::new(SenderConfig::default().with_retry(p)).unwrap()
}

fn url(server: &RecordingServer, path: &str) -> Url {
    Url::parse(&format!("{}{path}", server.url())).unwrap()
}

fn mapping(fields: &[&str], required: &[&str], map: &[(&str, &str)]) -> CredentialMapping {
    CredentialMapping::new(
        fields.iter().map(|s| s.to_string()).collect(),
        Some(required.iter().map(|s| s.to_string()).collect()),
        map.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// Sends one GET with `scheme` built from `user` credentials; returns what arrived.
async fn one_request(scheme: AuthScheme, user: Credentials) -> RecordedRequest {
    let server = RecordingServer::start(|_| MockResponse::json(200, json!({}))).await;
    let auth = AuthOptions::new(vec![scheme])
        .authenticator(&user, None, AuthContext::new())
        .unwrap();
    sender()
        .send_buffered(HttpRequest::get(url(&server, "/v1/items?limit=2")).auth(auth))
        .await
        .unwrap();
    server.take_requests().remove(0)
}

#[tokio::test]
async fn bearer_scheme() {
    let scheme = AuthScheme::new("bearerAuth", SchemeKind::bearer()).with_credentials(mapping(
        &["api_key"],
        &["api_key"],
        &[("token", "${api_key}")],
    ));
    let r = one_request(scheme, Credentials::new().with("api_key", "sk_test_1")).await;
    assert_eq!(r.header("authorization"), Some("Bearer sk_test_1"));
    assert_eq!(
        r.sorted_query(),
        vec![("limit".to_string(), "2".to_string())]
    );
}

#[tokio::test]
async fn basic_scheme_with_templates_and_constants() {
    // Zendesk: `${email}/token` as username.
    let scheme = AuthScheme::new("zendeskAPIToken", SchemeKind::Basic).with_credentials(mapping(
        &["email", "api_token"],
        &["email", "api_token"],
        &[("username", "${email}/token"), ("password", "${api_token}")],
    ));
    let r = one_request(
        scheme,
        Credentials::new()
            .with("email", "a@b.io")
            .with("api_token", "tok"),
    )
    .await;
    // base64("a@b.io/token:tok")
    assert_eq!(
        r.header("authorization"),
        Some("Basic YUBiLmlvL3Rva2VuOnRvaw==")
    );

    // Ashby: the key as username, an empty password.
    let scheme = AuthScheme::new("ashbyBasicAuth", SchemeKind::Basic).with_credentials(mapping(
        &["api_key"],
        &["api_key"],
        &[("username", "${api_key}"), ("password", "")],
    ));
    let r = one_request(scheme, Credentials::new().with("api_key", "key")).await;
    assert_eq!(r.header("authorization"), Some("Basic a2V5Og=="));
}

#[tokio::test]
async fn api_key_in_header_query_and_cookie() {
    // Klaviyo: a prefix from the mapping, the key verbatim in Authorization.
    let scheme = AuthScheme::new(
        "klaviyoApiKey",
        SchemeKind::ApiKey {
            location: ApiKeyLocation::Header,
            name: "Authorization".into(),
        },
    )
    .with_credentials(mapping(
        &["api_key"],
        &["api_key"],
        &[("api_key", "Klaviyo-API-Key ${api_key}")],
    ));
    let r = one_request(scheme, Credentials::new().with("api_key", "pk_1")).await;
    assert_eq!(r.header("authorization"), Some("Klaviyo-API-Key pk_1"));

    let header = AuthScheme::new(
        "apiKeyAuth",
        SchemeKind::ApiKey {
            location: ApiKeyLocation::Header,
            name: "x-api-key".into(),
        },
    );
    let r = one_request(header, Credentials::new().with("api_key", "k1")).await;
    assert_eq!(r.header("x-api-key"), Some("k1"));
    assert_eq!(r.header("authorization"), None);

    let query = AuthScheme::new(
        "q",
        SchemeKind::ApiKey {
            location: ApiKeyLocation::Query,
            name: "api_key".into(),
        },
    );
    let r = one_request(query, Credentials::new().with("api_key", "k 2&x")).await;
    assert_eq!(
        r.sorted_query(),
        vec![
            ("api_key".to_string(), "k 2&x".to_string()),
            ("limit".to_string(), "2".to_string())
        ]
    );

    let cookie = AuthScheme::new(
        "c",
        SchemeKind::ApiKey {
            location: ApiKeyLocation::Cookie,
            name: "session".into(),
        },
    );
    let r = one_request(cookie, Credentials::new().with("api_key", "k3")).await;
    assert_eq!(r.header("cookie"), Some("session=k3"));
}

#[tokio::test]
async fn additional_headers_are_rendered_from_credentials() {
    let scheme = AuthScheme::new("bearer", SchemeKind::bearer())
        .with_credentials(mapping(
            &["token", "account_id"],
            &["token", "account_id"],
            &[("token", "${token}")],
        ))
        .with_additional_header("Harvest-Account-Id", "{{ account_id }}")
        .with_additional_header("API-Version", "2026-07");
    let r = one_request(
        scheme,
        Credentials::new()
            .with("token", "t")
            .with("account_id", "42"),
    )
    .await;
    assert_eq!(r.header("authorization"), Some("Bearer t"));
    assert_eq!(r.header("harvest-account-id"), Some("42"));
    assert_eq!(r.header("api-version"), Some("2026-07"));
}

#[tokio::test]
async fn oauth2_access_token_with_custom_header() {
    // Shopify: X-Shopify-Access-Token without prefix.
    let mut config = OAuth2Config::default();
    config.header = "X-Shopify-Access-Token".into();
    config.prefix = String::new();
    let scheme = AuthScheme::new("shopifyOAuth", SchemeKind::OAuth2(config));
    let r = one_request(scheme, Credentials::new().with("access_token", "shpat_1")).await;
    assert_eq!(r.header("x-shopify-access-token"), Some("shpat_1"));
    assert_eq!(r.header("authorization"), None);
}

/// An API on `/api/*` that accepts only `Bearer {valid}` (401 otherwise,
/// answered after `delay`), and a token endpoint on `/oauth/token`.
struct OAuthServer {
    server: RecordingServer,
}

impl OAuthServer {
    async fn start(
        valid: &'static str,
        token_response: serde_json::Value,
        delay: Duration,
    ) -> Self {
        let server = RecordingServer::start(move |r| {
            if r.path == "/oauth/token" {
                return MockResponse::json(200, token_response.clone())
                    .delayed(Duration::from_millis(50));
            }
            if r.header("authorization") == Some(&format!("Bearer {valid}")) {
                MockResponse::json(200, json!({"ok": true}))
            } else {
                MockResponse::json(401, json!({"message": "expired"})).delayed(delay)
            }
        })
        .await;
        Self { server }
    }

    fn token_requests(&self) -> Vec<RecordedRequest> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| r.path == "/oauth/token")
            .collect()
    }

    fn api_requests(&self) -> Vec<RecordedRequest> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with("/api"))
            .collect()
    }
}

fn oauth_scheme(style: ClientAuthStyle, format: TokenBodyFormat) -> AuthScheme {
    let mut config = OAuth2Config::default().with_refresh_url("{{ base }}/oauth/token");
    config.client_auth = style;
    config.body_format = format;
    config.token_extract = vec!["instance_url".into()];
    AuthScheme::new("oauth2", SchemeKind::OAuth2(config))
}

type Seen = Arc<Mutex<Vec<RefreshedTokens>>>;

fn context(server: &RecordingServer, seen: &Seen) -> AuthContext {
    let seen = seen.clone();
    AuthContext::new()
        .config_values(BTreeMap::from([("base".to_string(), server.url())]))
        .sender(sender())
        .on_token_refresh(move |t| seen.lock().unwrap().push(t.clone()))
}

fn creds(access: Option<&str>) -> Credentials {
    let mut c = Credentials::new()
        .with("refresh_token", "rt-1")
        .with("client_id", "cid")
        .with("client_secret", "csecret");
    if let Some(a) = access {
        c.insert("access_token", a);
    }
    c
}

#[tokio::test]
async fn oauth2_refreshes_on_401_and_resends_once() {
    let api = OAuthServer::start(
        "new",
        json!({"access_token": "new", "refresh_token": "rt-2", "expires_in": 3600,
               "token_type": "bearer", "instance_url": "https://acme.example"}),
        Duration::ZERO,
    )
    .await;
    let seen: Seen = Arc::default();
    let scheme = oauth_scheme(ClientAuthStyle::Body, TokenBodyFormat::Form);
    let auth =
        Authenticator::new(&scheme, creds(Some("old")), context(&api.server, &seen)).unwrap();
    let s = sender();
    // A POST too: a 401 means the server did not act on it.
    let resp = s
        .send_buffered(
            HttpRequest::post(url(&api.server, "/api/items"))
                .json(&json!({"name": "x"}))
                .auth(auth.clone()),
        )
        .await
        .unwrap();
    assert_eq!(
        resp.json::<serde_json::Value>().unwrap(),
        json!({"ok": true})
    );

    let tokens = api.token_requests();
    assert_eq!(tokens.len(), 1);
    let t = &tokens[0];
    assert_eq!(t.method, "POST");
    assert_eq!(
        t.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        t.sorted_query().len(),
        0,
        "credentials go in the body, not the query"
    );
    let form: BTreeMap<String, String> =
        url::form_urlencoded::parse(&t.body).into_owned().collect();
    assert_eq!(
        form,
        BTreeMap::from([
            ("client_id".into(), "cid".into()),
            ("client_secret".into(), "csecret".into()),
            ("grant_type".into(), "refresh_token".into()),
            ("refresh_token".into(), "rt-1".into()),
        ])
    );
    assert_eq!(t.header("authorization"), None);

    let sent: Vec<_> = api
        .api_requests()
        .iter()
        .map(|r| r.header("authorization").map(str::to_string))
        .collect();
    assert_eq!(
        sent,
        vec![Some("Bearer old".into()), Some("Bearer new".into())]
    );

    // The callback saw the new tokens and extracted values.
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].access_token.expose_secret(), "new");
        assert_eq!(
            seen[0].refresh_token.as_ref().unwrap().expose_secret(),
            "rt-2"
        );
        assert_eq!(seen[0].expires_in, Some(Duration::from_secs(3600)));
        assert_eq!(seen[0].extracted["instance_url"], "https://acme.example");
    }
    assert_eq!(
        auth.extracted_values()["instance_url"],
        "https://acme.example"
    );

    // Later requests use the new token directly.
    s.send_buffered(HttpRequest::get(url(&api.server, "/api/items")).auth(auth.clone()))
        .await
        .unwrap();
    assert_eq!(api.token_requests().len(), 1);
    assert_eq!(api.api_requests().len(), 3);
}

#[tokio::test]
async fn concurrent_401s_cause_a_single_refresh() {
    let api = OAuthServer::start(
        "new",
        json!({"access_token": "new"}),
        // Keep every first attempt in flight together.
        Duration::from_millis(100),
    )
    .await;
    let seen: Seen = Arc::default();
    let scheme = oauth_scheme(ClientAuthStyle::Body, TokenBodyFormat::Form);
    let auth =
        Authenticator::new(&scheme, creds(Some("old")), context(&api.server, &seen)).unwrap();
    let s = sender();
    let calls = (0..12).map(|i| {
        let (s, auth) = (s.clone(), auth.clone());
        let u = url(&api.server, &format!("/api/items/{i}"));
        tokio::spawn(async move { s.send_buffered(HttpRequest::get(u).auth(auth)).await })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert_eq!(api.token_requests().len(), 1, "single-flight refresh");
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(api.api_requests().len(), 24);
}

#[tokio::test]
async fn refreshes_before_sending_when_expired_or_missing() {
    for access in [Some("old"), None] {
        let api = OAuthServer::start(
            "new",
            json!({"access_token": "new", "expires_in": 3600}),
            Duration::ZERO,
        )
        .await;
        let seen: Seen = Arc::default();
        let scheme = oauth_scheme(ClientAuthStyle::Body, TokenBodyFormat::Form);
        let ctx = context(&api.server, &seen)
            .access_token_expires_at(SystemTime::now() - Duration::from_secs(5));
        let auth = Authenticator::new(&scheme, creds(access), ctx).unwrap();
        let s = sender();
        let calls = (0..6).map(|_| {
            let (s, auth) = (s.clone(), auth.clone());
            let u = url(&api.server, "/api/items");
            tokio::spawn(async move { s.send_buffered(HttpRequest::get(u).auth(auth)).await })
        });
        for call in futures::future::join_all(calls).await {
            call.unwrap().unwrap();
        }
        assert_eq!(api.token_requests().len(), 1, "{access:?}");
        // Nothing was sent with the expired token.
        assert!(
            api.api_requests()
                .iter()
                .all(|r| r.header("authorization") == Some("Bearer new"))
        );
        assert_eq!(api.api_requests().len(), 6);
    }
}

#[tokio::test]
async fn short_lived_tokens_are_refreshed_again_when_they_expire() {
    let api = OAuthServer::start(
        "new",
        json!({"access_token": "new", "expires_in": 0.2}),
        Duration::ZERO,
    )
    .await;
    let seen: Seen = Arc::default();
    let scheme = oauth_scheme(ClientAuthStyle::Body, TokenBodyFormat::Form);
    let auth = Authenticator::new(&scheme, creds(None), context(&api.server, &seen)).unwrap();
    let s = sender();
    s.send_buffered(HttpRequest::get(url(&api.server, "/api/a")).auth(auth.clone()))
        .await
        .unwrap();
    s.send_buffered(HttpRequest::get(url(&api.server, "/api/b")).auth(auth.clone()))
        .await
        .unwrap();
    assert_eq!(api.token_requests().len(), 1);
    tokio::time::sleep(Duration::from_millis(250)).await;
    s.send_buffered(HttpRequest::get(url(&api.server, "/api/c")).auth(auth.clone()))
        .await
        .unwrap();
    assert_eq!(api.token_requests().len(), 2);
}

#[tokio::test]
async fn basic_client_auth_with_json_body() {
    let api = OAuthServer::start("new", json!({"access_token": "new"}), Duration::ZERO).await;
    let seen: Seen = Arc::default();
    let scheme = oauth_scheme(ClientAuthStyle::Basic, TokenBodyFormat::Json);
    let auth =
        Authenticator::new(&scheme, creds(Some("old")), context(&api.server, &seen)).unwrap();
    sender()
        .send_buffered(HttpRequest::get(url(&api.server, "/api/x")).auth(auth))
        .await
        .unwrap();
    let t = &api.token_requests()[0];
    assert_eq!(t.header("content-type"), Some("application/json"));
    // base64("cid:csecret")
    assert_eq!(t.header("authorization"), Some("Basic Y2lkOmNzZWNyZXQ="));
    assert_eq!(
        t.json().unwrap(),
        json!({"grant_type": "refresh_token", "refresh_token": "rt-1"})
    );
}

#[tokio::test]
async fn token_in_additional_header_follows_refreshes() {
    // Zoho: Authorization replaced by `Zoho-oauthtoken {{ access_token }}`.
    let server = RecordingServer::start(|r| {
        if r.path == "/oauth/token" {
            MockResponse::json(200, json!({"access_token": "fresh"}))
        } else if r.header("authorization") == Some("Zoho-oauthtoken fresh") {
            MockResponse::json(200, json!({}))
        } else {
            MockResponse::json(401, json!({}))
        }
    })
    .await;
    let mut scheme = oauth_scheme(ClientAuthStyle::Body, TokenBodyFormat::Form);
    scheme = scheme.with_additional_header("Authorization", "Zoho-oauthtoken {{ access_token }}");
    let seen: Seen = Arc::default();
    let auth = Authenticator::new(&scheme, creds(Some("stale")), context(&server, &seen)).unwrap();
    sender()
        .send_buffered(HttpRequest::get(url(&server, "/api/x")).auth(auth))
        .await
        .unwrap();
    let sent: Vec<_> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/x")
        .map(|r| r.header("authorization").unwrap_or_default().to_string())
        .collect();
    assert_eq!(sent, vec!["Zoho-oauthtoken stale", "Zoho-oauthtoken fresh"]);
}

#[tokio::test]
async fn failed_refresh_is_an_authentication_error_without_secrets() {
    let server = RecordingServer::start(|r| {
        if r.path == "/oauth/token" {
            MockResponse::json(400, json!({"error": "invalid_grant"}))
        } else {
            MockResponse::json(401, json!({"message": "expired"}))
        }
    })
    .await;
    let seen: Seen = Arc::default();
    let scheme = oauth_scheme(ClientAuthStyle::Body, TokenBodyFormat::Form);
    let auth = Authenticator::new(&scheme, creds(Some("old")), context(&server, &seen)).unwrap();
    let err = sender()
        .send_buffered(HttpRequest::get(url(&server, "/api/x")).auth(auth))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    let msg = err.to_string();
    assert!(msg.contains("invalid_grant"), "{msg}");
    for secret in ["rt-1", "csecret", "old"] {
        assert!(!msg.contains(secret), "{msg}");
        assert!(!format!("{err:?}").contains(secret));
    }
    assert!(seen.lock().unwrap().is_empty());
    // A token POST answered 400 is not retried.
    assert_eq!(server.count("POST", "/oauth/token"), 1);
}

#[tokio::test]
async fn a_second_401_is_returned_not_looped() {
    let api = OAuthServer::start("never", json!({"access_token": "new"}), Duration::ZERO).await;
    let seen: Seen = Arc::default();
    let scheme = oauth_scheme(ClientAuthStyle::Body, TokenBodyFormat::Form);
    let auth =
        Authenticator::new(&scheme, creds(Some("old")), context(&api.server, &seen)).unwrap();
    let err = sender()
        .send_buffered(HttpRequest::get(url(&api.server, "/api/x")).auth(auth))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(api.token_requests().len(), 1);
    assert_eq!(api.api_requests().len(), 2);
}

#[tokio::test]
async fn no_refresh_without_refresh_token_or_endpoint() {
    let api = OAuthServer::start("new", json!({"access_token": "new"}), Duration::ZERO).await;
    // No refresh URL (e.g. GitHub OAuth): the 401 is returned as is.
    let scheme = AuthScheme::new("githubOAuth", SchemeKind::OAuth2(OAuth2Config::default()));
    let auth = Authenticator::new(
        &scheme,
        Credentials::new().with("access_token", "old"),
        AuthContext::new().sender(sender()),
    )
    .unwrap();
    let err = sender()
        .send_buffered(HttpRequest::get(url(&api.server, "/api/x")).auth(auth))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(api.api_requests().len(), 1);
    assert!(api.token_requests().is_empty());

    // Neither an access token nor a way to get one: refused up front.
    let err = Authenticator::new(&scheme, Credentials::new(), AuthContext::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn multi_scheme_selection_builds_the_matching_authenticator() {
    let server = RecordingServer::start(|_| MockResponse::json(200, json!({}))).await;
    let options = AuthOptions::new(vec![
        AuthScheme::new("githubOAuth", SchemeKind::OAuth2(OAuth2Config::default()))
            .with_credentials(mapping(
                &["access_token"],
                &["access_token"],
                &[("access_token", "${access_token}")],
            )),
        AuthScheme::new("githubPAT", SchemeKind::bearer()).with_credentials(mapping(
            &["token"],
            &["token"],
            &[("token", "${token}")],
        )),
    ]);
    let auth = options
        .authenticator(
            &Credentials::new().with("token", "ghp_1"),
            None,
            AuthContext::new(),
        )
        .unwrap();
    assert_eq!(auth.scheme_name(), "githubPAT");
    sender()
        .send_buffered(HttpRequest::get(url(&server, "/user")).auth(auth))
        .await
        .unwrap();
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer ghp_1")
    );
}

#[test]
fn authenticator_and_context_debug_hide_secrets() {
    let scheme = oauth_scheme(ClientAuthStyle::Body, TokenBodyFormat::Form);
    let ctx = AuthContext::new().on_token_refresh(|_| {});
    let auth = Authenticator::new(&scheme, creds(Some("acc-secret")), ctx.clone()).unwrap();
    let req = HttpRequest::get(Url::parse("https://api.example.com/x").unwrap()).auth(auth.clone());
    let dbg = format!("{auth:?} {ctx:?} {req:?} {:?}", creds(Some("acc-secret")));
    for secret in ["acc-secret", "rt-1", "csecret"] {
        assert!(!dbg.contains(secret), "{dbg}");
    }
}

#[tokio::test]
async fn service_account_jwt_bearer_grant() {
    let private_key = include_str!("fixtures/test-service-account-key.pem");
    let public_key = include_str!("fixtures/test-service-account-key.pub.pem");
    let server = RecordingServer::start(|r| {
        if r.path == "/token" {
            MockResponse::json(200, json!({"access_token": "sa-token", "expires_in": 3600}))
        } else if r.header("authorization") == Some("Bearer sa-token") {
            MockResponse::json(200, json!({}))
        } else {
            MockResponse::json(401, json!({}))
        }
    })
    .await;
    let token_url = format!("{}/token", server.url());
    let mut config = OAuth2Config::default().with_refresh_url(token_url.clone());
    config.grant = airbyte_agent_sdk::http::auth::OAuth2Grant::JwtBearer {
        scopes: vec!["https://www.googleapis.com/auth/analytics.readonly".into()],
    };
    // Even with `basic` configured, the assertion alone authenticates.
    config.client_auth = ClientAuthStyle::Basic;
    let scheme =
        AuthScheme::new("serviceAccount", SchemeKind::OAuth2(config)).with_credentials(mapping(
            &["credentials_json"],
            &["credentials_json"],
            &[("credentials_json", "${credentials_json}")],
        ));
    let key_json =
        json!({"client_email": "sa@proj.iam.example", "private_key": private_key}).to_string();
    let auth = AuthOptions::new(vec![scheme])
        .authenticator(
            &Credentials::new().with("credentials_json", key_json),
            None,
            AuthContext::new().sender(sender()),
        )
        .unwrap();
    sender()
        .send_buffered(HttpRequest::get(url(&server, "/api/report")).auth(auth))
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "one token request, then the call");
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&reqs[0].body)
        .into_owned()
        .collect();
    assert_eq!(
        form["grant_type"],
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    assert_eq!(form.len(), 2);
    assert_eq!(reqs[0].header("authorization"), None);

    #[derive(serde::Deserialize)]
    struct Claims {
        iss: String,
        scope: String,
        aud: String,
        iat: u64,
        exp: u64,
    }
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[token_url.as_str()]);
    let decoded = jsonwebtoken::decode::<Claims>(
        &form["assertion"],
        &jsonwebtoken::DecodingKey::from_rsa_pem(public_key.as_bytes()).unwrap(),
        &validation,
    )
    .unwrap();
    assert_eq!(decoded.claims.iss, "sa@proj.iam.example");
    assert_eq!(
        decoded.claims.scope,
        "https://www.googleapis.com/auth/analytics.readonly"
    );
    assert_eq!(decoded.claims.aud, token_url);
    assert_eq!(decoded.claims.exp - decoded.claims.iat, 3600);
    assert_eq!(reqs[1].header("authorization"), Some("Bearer sa-token"));

    // A malformed key is refused without echoing it.
    let bad = Credentials::new().with(
        "credentials_json",
        r#"{"client_email":"x","private_key":"not-a-key-SECRET"}"#,
    );
    let mut config = OAuth2Config::default().with_refresh_url(token_url.clone());
    config.grant = airbyte_agent_sdk::http::auth::OAuth2Grant::JwtBearer {
        scopes: vec!["s".into()],
    };
    let scheme = AuthScheme::new("serviceAccount", SchemeKind::OAuth2(config));
    let auth = Authenticator::new(&scheme, bad, AuthContext::new().sender(sender())).unwrap();
    let err = sender()
        .send_buffered(HttpRequest::get(url(&server, "/api/report")).auth(auth))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not an RSA PEM key"), "{err}");
    assert!(!err.to_string().contains("SECRET"));
}

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct LogSink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn trace_logs_never_contain_secrets() {
    let sink = LogSink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let n = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let server = RecordingServer::start(move |r| {
        if r.path == "/oauth/token" {
            return MockResponse::json(200, json!({"access_token": "fresh-SECRET-1"}));
        }
        if n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            return MockResponse::json(503, json!({}));
        }
        if r.header("authorization") == Some("Bearer fresh-SECRET-1") {
            MockResponse::json(200, json!({}))
        } else {
            MockResponse::json(401, json!({}))
        }
    })
    .await;
    let seen: Seen = Arc::default();
    let scheme = oauth_scheme(ClientAuthStyle::Basic, TokenBodyFormat::Form);
    let secrets = Credentials::new()
        .with("access_token", "old-SECRET-2")
        .with("refresh_token", "rt-SECRET-3")
        .with("client_id", "cid")
        .with("client_secret", "cs-SECRET-4");
    let auth = Authenticator::new(&scheme, secrets, context(&server, &seen)).unwrap();
    sender()
        .send_buffered(HttpRequest::get(url(&server, "/api/x?api_key=q-SECRET-5")).auth(auth))
        .await
        .unwrap();
    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("retrying http request"), "{logs}");
    assert!(logs.contains("OAuth2 token refreshed"), "{logs}");
    assert!(!logs.contains("SECRET"), "{logs}");
}
