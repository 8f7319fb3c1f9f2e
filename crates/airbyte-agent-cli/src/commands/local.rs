//! `airbyte-agent local exec`: run one operation of a connector definition
//! directly against the vendor's API, with your own credentials.
//!
//! Self-contained (no hosted-mode context): wire it as
//! `#[command(subcommand)] Local(local::LocalCommand)` and
//! `Command::Local(c) => c.run().await`.

use std::path::{Path, PathBuf};

use airbyte_agent_sdk::agent::{ShapeOptions, shape_output};
use airbyte_agent_sdk::definition::{self, ConnectorDefinition};
use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_sdk::http::{HttpSender, SenderConfig};
use airbyte_agent_sdk::{Error, ExecutionConfig, Executor, Result};
use clap::{ArgAction, Args, Subcommand};
use futures::StreamExt as _;
use serde_json::{Map, Value, json};
use tokio::io::AsyncWriteExt as _;

/// Environment variable naming the directory `--connector` looks in.
pub const DEFINITIONS_DIR_ENV: &str = "AIRBYTE_DEFINITIONS_DIR";

/// Run connector definitions locally (your credentials, direct vendor calls)
#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Execute one operation (entity + action) of a connector definition
    Exec(LocalExecArgs),
}

impl LocalCommand {
    /// Runs the command; `Some(json)` is printed on stdout.
    pub async fn run(self) -> Result<Option<Value>> {
        match self {
            LocalCommand::Exec(args) => args.run().await,
        }
    }
}

/// Execute one operation of a connector definition against the vendor's API
#[derive(Debug, Args)]
#[command(
    after_help = "Credentials are the definition's auth fields (`x-airbyte-auth-config`), \
    e.g. --auth api_key=sk_test_123; VALUE may be @FILE to read it from a file.\n\
    Config values fill server variables and injected parameters, e.g. --config subdomain=acme \
    (a JSON array or object value is parsed as JSON).\n\
    PARAMS is inline JSON, @FILE or @- (stdin).\n\
    Parsed definitions are cached under ~/.cache/airbyte-agent/definitions; \
    AIRBYTE_DEFINITION_CACHE=off disables the cache, another value names its directory.\n\nExamples:\n  \
    airbyte-agent local exec --connector stripe --auth api_key=@key.txt customers list --params '{\"limit\": 5}'\n  \
    airbyte-agent local exec --definition ./zendesk.yaml --auth email=me@x.io --auth api_token=@t \
    --config subdomain=acme tickets list --all\n  \
    airbyte-agent local exec --connector google-drive --auth access_token=@tok files download \
    --params '{\"file_id\": \"1x\"}' --output report.pdf"
)]
pub struct LocalExecArgs {
    /// Path of a connector definition (a `connector.yaml` or its directory)
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "connector",
        required_unless_present = "connector"
    )]
    pub definition: Option<PathBuf>,

    /// Connector name, looked up in the definitions directory
    #[arg(long, value_name = "NAME")]
    pub connector: Option<String>,

    /// Directory of definitions (`<name>/connector.yaml`) for --connector
    #[arg(long, value_name = "DIR", env = DEFINITIONS_DIR_ENV)]
    pub definitions_dir: Option<PathBuf>,

    /// A credential field, KEY=VALUE (repeatable; VALUE may be @FILE)
    #[arg(long = "auth", value_name = "KEY=VALUE")]
    pub auth: Vec<String>,

    /// Security scheme to use when the connector offers several
    #[arg(long, value_name = "SCHEME")]
    pub auth_scheme: Option<String>,

    /// A config value, KEY=VALUE (repeatable)
    #[arg(long = "config", value_name = "KEY=VALUE")]
    pub config: Vec<String>,

    /// Send requests to this base URL instead of the definition's server
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// Entity, e.g. `customers`
    pub entity: String,

    /// Action, e.g. `list`, `get`, `create`, `download`
    pub action: String,

    /// Operation parameters as a JSON object
    #[arg(long, value_name = "JSON")]
    pub params: Option<String>,

    /// Follow pagination and print every record as one JSON array
    #[arg(long, conflicts_with = "output")]
    pub all: bool,

    /// For downloads: write the file here (`-` for stdout)
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub shape: ShapeArgs,
}

/// Output shaping flags of `exec` and `local exec` (the agent module's
/// field selection, long-text truncation and size guard).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output shaping")]
pub struct ShapeArgs {
    /// Keep only these record fields (dot paths, e.g. `id,address.city`)
    #[arg(long, value_name = "PATHS", value_delimiter = ',')]
    pub select_fields: Vec<String>,

    /// Remove these record fields (dot paths); ignored with --select-fields
    #[arg(long, value_name = "PATHS", value_delimiter = ',')]
    pub exclude_fields: Vec<String>,

    /// Cut the output to this many bytes of compact JSON, keeping whole
    /// records and saying what was left out under `_truncated`
    #[arg(long, value_name = "BYTES")]
    pub max_bytes: Option<usize>,

    /// `--skip-truncation=false` cuts long text fields of list results to
    /// 200 characters, as agents get them
    #[arg(
        long,
        value_name = "BOOL",
        default_value_t = true,
        action = ArgAction::Set,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    pub skip_truncation: bool,
}

impl ShapeArgs {
    /// Applies the flags to a result (`{data, meta}` or a bare array of
    /// records) of `action`. Without flags the value is returned unchanged.
    pub fn apply(&self, value: Value, action: &str) -> Result<Value> {
        let opts = ShapeOptions::default()
            .with_select_fields(self.select_fields.iter().cloned())
            .with_exclude_fields(self.exclude_fields.iter().cloned())
            .with_skip_truncation(self.skip_truncation)
            .with_max_output_bytes(self.max_bytes);
        Ok(shape_output(value, action, &opts)?.value)
    }
}

impl LocalExecArgs {
    /// Runs the operation and returns what to print.
    pub async fn run(self) -> Result<Option<Value>> {
        let sender = PendingSender::start();
        let definition = load_definition(
            self.definition.as_deref(),
            self.connector.as_deref(),
            self.definitions_dir.as_deref(),
        )?;
        // Never dropped: the process exits after this one call, and freeing
        // a large definition's model (megabytes of schema trees) would cost
        // more than the call itself.
        let executor = std::mem::ManuallyDrop::new(build_executor(
            definition,
            sender.wait()?,
            &self.auth,
            self.auth_scheme.as_deref(),
            &self.config,
            self.base_url.as_deref(),
        )?);
        let params = match &self.params {
            Some(raw) => parse_params(raw)?,
            None => Map::new(),
        };
        let op = ExecutionConfig::new(self.entity.clone(), self.action.clone()).params(params);

        if let Some(path) = &self.output {
            let stream = executor.download(op).await?;
            let written = write_stream(stream, path).await?;
            return Ok(if path == Path::new("-") {
                None
            } else {
                Some(json!({"path": path.display().to_string(), "bytes": written}))
            });
        }
        if self.all {
            let mut records = Vec::new();
            let mut stream = executor.paginate(op);
            while let Some(record) = stream.next().await {
                records.push(record?);
            }
            return self
                .shape
                .apply(Value::Array(records), &self.action)
                .map(Some);
        }
        let result = executor.execute(op).await?;
        let value = serde_json::to_value(result).unwrap_or(Value::Null);
        self.shape.apply(value, &self.action).map(Some)
    }
}

/// Loads a definition from `--definition PATH`, or `--connector NAME`
/// looked up in `--definitions-dir`.
pub fn load_definition(
    path: Option<&Path>,
    connector: Option<&str>,
    definitions_dir: Option<&Path>,
) -> Result<ConnectorDefinition> {
    if let Some(path) = path {
        return load_file(path);
    }
    let name = connector.unwrap_or_default();
    let Some(dir) = definitions_dir else {
        return Err(Error::invalid_argument(
            "--connector",
            format!(
                "pass --definitions-dir DIR (or set {DEFINITIONS_DIR_ENV}) to look up `{name}`, or use --definition PATH"
            ),
        ));
    };
    let direct = dir.join(name);
    if direct.join(definition::DEFINITION_FILE_NAME).is_file() {
        return load_file(&direct);
    }
    let defs = definition::load_dir(dir)?;
    match definition::find_definition(&defs, name) {
        Some(def) => Ok(def.clone()),
        None => Err(Error::NotFound {
            what: "connector definition".into(),
            name: name.to_string(),
            scope: dir.display().to_string(),
            available: defs.iter().map(|d| d.name.clone()).collect(),
        }),
    }
}

/// Environment variable for the parsed-definition cache: `off` disables it,
/// any other value is the directory to use instead of the default
/// (`$XDG_CACHE_HOME/airbyte-agent/definitions`, else
/// `~/.cache/airbyte-agent/definitions`).
pub const DEFINITION_CACHE_ENV: &str = "AIRBYTE_DEFINITION_CACHE";

/// Loads one definition file, through the parsed-definition cache when
/// there is one: parsing YAML is most of a one-call command's run time.
fn load_file(path: &Path) -> Result<ConnectorDefinition> {
    match definition_cache_dir() {
        Some(dir) => definition::load_path_cached(path, dir),
        None => definition::load_path(path),
    }
}

fn definition_cache_dir() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(value) = non_empty(DEFINITION_CACHE_ENV) {
        return (value != "off").then(|| PathBuf::from(value));
    }
    let base = non_empty("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| non_empty("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("airbyte-agent").join("definitions"))
}

/// An executor's HTTP sender, built on a thread of its own so that loading
/// the system's TLS root certificates (a few hundred file reads, done when
/// the HTTP client is built) overlaps loading the definition.
#[derive(Debug)]
pub struct PendingSender(std::thread::JoinHandle<Result<HttpSender>>);

impl PendingSender {
    /// Starts building a sender with the settings a [`LocalExecutor`]
    /// uses when it is given none.
    pub fn start() -> Self {
        PendingSender(std::thread::spawn(|| {
            HttpSender::new(SenderConfig::default())
        }))
    }

    /// The sender, once built.
    pub fn wait(self) -> Result<HttpSender> {
        match self.0.join() {
            Ok(built) => built,
            // The thread cannot panic short of a bug in the HTTP stack;
            // building again here surfaces that bug's error, if any.
            Err(_) => HttpSender::new(SenderConfig::default()),
        }
    }
}

/// Builds a local executor from command-line values: `auth` and `config`
/// are `KEY=VALUE` (an auth VALUE may be `@FILE`; a config VALUE that is a
/// JSON array or object is parsed). Requests go through `sender`.
pub fn build_executor(
    definition: ConnectorDefinition,
    sender: HttpSender,
    auth: &[String],
    auth_scheme: Option<&str>,
    config: &[String],
    base_url: Option<&str>,
) -> Result<LocalExecutor> {
    let mut builder = LocalExecutor::builder(definition).sender(sender);
    for pair in auth {
        let (key, value) = split_pair("--auth", pair)?;
        builder = builder.auth(key, read_value(value)?);
    }
    if let Some(scheme) = auth_scheme {
        builder = builder.auth_scheme(scheme);
    }
    for pair in config {
        let (key, value) = split_pair("--config", pair)?;
        builder = builder.config(key, config_value(value));
    }
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    builder.build()
}

/// Splits `KEY=VALUE`.
fn split_pair<'a>(flag: &str, pair: &'a str) -> Result<(&'a str, &'a str)> {
    match pair.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k, v)),
        _ => Err(Error::invalid_argument(flag, "expected KEY=VALUE")),
    }
}

/// A credential value: inline, or `@PATH` read from a file (trailing
/// newline dropped).
fn read_value(value: &str) -> Result<String> {
    match value.strip_prefix('@') {
        Some(path) if !path.is_empty() => std::fs::read_to_string(path)
            .map(|s| s.trim_end_matches(['\r', '\n']).to_string())
            .map_err(|e| Error::io(path, e)),
        _ => Ok(value.to_string()),
    }
}

/// A config value: JSON arrays and objects are parsed, anything else is text.
fn config_value(value: &str) -> Value {
    let trimmed = value.trim_start();
    if (trimmed.starts_with('[') || trimmed.starts_with('{'))
        && let Ok(v) = serde_json::from_str(value)
    {
        return v;
    }
    Value::String(value.to_string())
}

/// `--params`: inline JSON, `@PATH` or `@-`, which must be an object.
fn parse_params(raw: &str) -> Result<Map<String, Value>> {
    let text = match raw.strip_prefix('@') {
        Some("-") => {
            let mut buf = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut buf)
                .map_err(|e| Error::io("<stdin>", e))?;
            buf
        }
        Some(path) => std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?,
        None => raw.to_string(),
    };
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(_) => Err(Error::invalid_argument("--params", "must be a JSON object")),
        Err(e) => Err(Error::invalid_argument(
            "--params",
            format!("not valid JSON ({e}); pass inline JSON, @FILE or @- for stdin"),
        )),
    }
}

/// Writes a download to a file (or stdout for `-`), chunk by chunk.
async fn write_stream(mut stream: airbyte_agent_sdk::ByteStream, path: &Path) -> Result<u64> {
    let mut written = 0u64;
    if path == Path::new("-") {
        use std::io::Write as _;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            // No lock is held across `.await`, so the future stays `Send`.
            let mut out = std::io::stdout();
            out.write_all(&chunk)
                .map_err(|e| Error::io("<stdout>", e))?;
            out.flush().map_err(|e| Error::io("<stdout>", e))?;
            written += chunk.len() as u64;
        }
        return Ok(written);
    }
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|e| Error::io(path, e))?;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        file.write_all(&chunk)
            .await
            .map_err(|e| Error::io(path, e))?;
        written += chunk.len() as u64;
    }
    file.flush().await.map_err(|e| Error::io(path, e))?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use airbyte_agent_testkit::{MockResponse, RecordingServer};

    use super::*;

    const DEFINITION: &str = r#"
openapi: 3.1.0
info:
  title: Pending Sender Test
  version: 1.0.0
  x-airbyte-connector-definition-id: 3f0b2a51-7c1e-4c5d-9a0e-0d6c9b1e2f47
servers: [{url: "https://api.example.invalid"}]
paths:
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      responses: {"200": {description: ok}}
"#;

    /// The sender built on its own thread has the settings an executor
    /// builds for itself when given none.
    #[test]
    fn pending_sender_has_the_default_settings() {
        let sender = PendingSender::start().wait().expect("sender builds");
        let default = SenderConfig::default();
        assert_eq!(
            format!("{:?}", sender.config().timeouts),
            format!("{:?}", default.timeouts)
        );
        assert_eq!(sender.config().max_response_body, default.max_response_body);
    }

    /// `build_executor` sends through the sender it is given: one that
    /// refuses bodies over 8 bytes makes a longer response an error.
    #[tokio::test]
    async fn the_given_sender_carries_the_requests() {
        let server = RecordingServer::start(|_| {
            MockResponse::json(200, json!([{"id": "a long enough record"}]))
        })
        .await;
        let auth = ["token=t".to_string()];
        let run = |sender: HttpSender| {
            let def = definition::load_str(DEFINITION).expect("loads");
            let executor =
                build_executor(def, sender, &auth, None, &[], Some(&server.url())).expect("builds");
            async move {
                executor
                    .execute(ExecutionConfig::new("items", "list"))
                    .await
            }
        };
        let normal = PendingSender::start().wait().expect("sender builds");
        let listed = run(normal).await.expect("default limits accept the body");
        assert!(
            serde_json::to_string(&listed)
                .expect("json")
                .contains("long enough")
        );

        let tiny = HttpSender::new(SenderConfig::default().with_max_response_body(Some(8)))
            .expect("sender builds");
        let err = run(tiny).await.expect_err("the body is over the limit");
        assert_eq!(err.kind(), airbyte_agent_sdk::ErrorKind::Decode, "{err}");
        assert_eq!(server.requests().len(), 2);
    }
}
