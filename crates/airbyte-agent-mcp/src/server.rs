//! [`McpServer`]: the MCP handler. Tools are built once from the served
//! connectors; a tool call is dispatched by name and every failure becomes a
//! tool result with `isError: true` and the agent-facing message from
//! [`translate_error`], never a protocol error.

use std::collections::HashSet;
use std::sync::Arc;

use airbyte_agent_sdk::agent::truncate::MIN_OUTPUT_BYTES;
use airbyte_agent_sdk::agent::{
    DEFAULT_MAX_OUTPUT_BYTES, ToolSpec, sanitize_tool_name, shape_output, translate_error,
};
use airbyte_agent_sdk::{Error, ExecutionConfig, Result, Workspace};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Map, Value, json};

use crate::connectors::ServedConnector;
use crate::describe;
use crate::tools::{
    self, ASK, DESCRIBE_ENTITY, LIST_CONNECTORS, LIST_ENTITIES, VALIDATE_OPERATION,
};

/// An MCP server exposing connectors as tools. Cheap to clone (one per
/// HTTP session shares everything).
///
/// ```no_run
/// # async fn demo() -> airbyte_agent_sdk::Result<()> {
/// use airbyte_agent_mcp::{McpServer, ServedConnector};
/// use airbyte_agent_sdk::definition;
/// use airbyte_agent_sdk::executor::local::LocalExecutor;
///
/// let def = definition::load_path("specs/stripe/connector.yaml")?;
/// let stripe = LocalExecutor::builder(def).auth("api_key", "sk_test_…").build()?;
/// let server = McpServer::builder()
///     .connector(ServedConnector::local(stripe))
///     .build()?;
/// server.serve_stdio().await
/// # }
/// ```
#[derive(Clone)]
pub struct McpServer {
    inner: Arc<Inner>,
}

struct Inner {
    connectors: Vec<ServedConnector>,
    /// `execute_specs[i]` is the execute tool of `connectors[i]`.
    execute_specs: Vec<ToolSpec>,
    workspace: Option<Workspace>,
    max_output_bytes: Option<usize>,
    tools: Vec<Tool>,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer")
            .field("connectors", &self.inner.connectors)
            .field("ask", &self.inner.workspace.is_some())
            .field("max_output_bytes", &self.inner.max_output_bytes)
            .finish_non_exhaustive()
    }
}

/// Builds an [`McpServer`]; see [`McpServer::builder`].
#[derive(Debug, Default)]
pub struct McpServerBuilder {
    connectors: Vec<ServedConnector>,
    workspace: Option<Workspace>,
    max_output_bytes: Option<Option<usize>>,
}

impl McpServerBuilder {
    /// Serves one more connector.
    pub fn connector(mut self, connector: ServedConnector) -> Self {
        self.connectors.push(connector);
        self
    }

    /// Serves several connectors.
    pub fn connectors(mut self, connectors: impl IntoIterator<Item = ServedConnector>) -> Self {
        self.connectors.extend(connectors);
        self
    }

    /// Adds the `ask` tool, answered by this workspace.
    pub fn ask_workspace(mut self, workspace: Workspace) -> Self {
        self.workspace = Some(workspace);
        self
    }

    /// Output budget of `execute` and `ask` results in bytes of compact
    /// JSON (default [`DEFAULT_MAX_OUTPUT_BYTES`]); `None` disables the size
    /// guard.
    pub fn max_output_bytes(mut self, budget: Option<usize>) -> Self {
        self.max_output_bytes = Some(budget);
        self
    }

    /// Builds the server: names connectors uniquely and builds their tools.
    /// Fails when there is nothing to serve or the budget is too small.
    pub fn build(self) -> Result<McpServer> {
        if self.connectors.is_empty() && self.workspace.is_none() {
            return Err(Error::invalid_argument(
                "connectors",
                "nothing to serve: add at least one connector or a workspace",
            ));
        }
        let max_output_bytes = self
            .max_output_bytes
            .unwrap_or(Some(DEFAULT_MAX_OUTPUT_BYTES));
        if max_output_bytes.is_some_and(|b| b < MIN_OUTPUT_BYTES) {
            return Err(Error::invalid_argument(
                "max_output_bytes",
                format!("must be at least {MIN_OUTPUT_BYTES}"),
            ));
        }
        let mut connectors = self.connectors;
        let mut taken = HashSet::new();
        for c in &mut connectors {
            let base = sanitize_tool_name(&c.name);
            let mut name = base.clone();
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("{base}_{n}");
                n += 1;
            }
            c.name = name;
        }
        let execute_specs: Vec<ToolSpec> = connectors.iter().map(|c| c.execute_tool()).collect();
        let names: Vec<String> = connectors.iter().map(|c| c.name.clone()).collect();
        let mut tools = tools::fixed_tools(&names, self.workspace.is_some());
        tools.extend(
            execute_specs
                .iter()
                .zip(&connectors)
                .map(|(spec, c)| tools::execute_tool(spec, c.display_name())),
        );
        tracing::info!(
            connectors = ?names,
            tools = tools.len(),
            "MCP server ready"
        );
        Ok(McpServer {
            inner: Arc::new(Inner {
                connectors,
                execute_specs,
                workspace: self.workspace,
                max_output_bytes,
                tools,
            }),
        })
    }
}

impl McpServer {
    /// Starts building a server.
    pub fn builder() -> McpServerBuilder {
        McpServerBuilder::default()
    }

    /// The tools, as `tools/list` returns them.
    pub fn tools(&self) -> &[Tool] {
        &self.inner.tools
    }

    /// The served connectors, with their final (unique) names.
    pub fn connectors(&self) -> &[ServedConnector] {
        &self.inner.connectors
    }

    /// Calls a tool. Failures are results with `is_error` set and a text
    /// saying how to fix the call (plus the translated error as structured
    /// content); successes carry compact JSON text.
    pub async fn call_tool(&self, name: &str, arguments: Value) -> CallToolResult {
        tracing::info!(tool = name, "tool call");
        match self.dispatch(name, arguments).await {
            Ok(value) => {
                let text = serde_json::to_string(&value).unwrap_or_else(|_| value.to_string());
                CallToolResult::success(vec![ContentBlock::text(text)])
            }
            Err(err) => {
                let agent = translate_error(&err);
                tracing::info!(tool = name, error = agent.error, "tool call failed");
                let mut result = CallToolResult::error(vec![ContentBlock::text(&agent.message)]);
                result.structured_content = serde_json::to_value(&agent).ok();
                result
            }
        }
    }

    async fn dispatch(&self, name: &str, arguments: Value) -> Result<Value> {
        let fixed = |accepted: &[&str]| Arguments::parse(&arguments, accepted);
        match name {
            LIST_CONNECTORS => {
                fixed(&[])?;
                let names: Vec<String> = self
                    .inner
                    .execute_specs
                    .iter()
                    .map(|s| s.name.clone())
                    .collect();
                Ok(describe::connectors(&self.inner.connectors, &names))
            }
            LIST_ENTITIES => {
                let args = fixed(&["connector"])?;
                describe::entities(self.connector(&args.text("connector")?)?)
            }
            DESCRIBE_ENTITY => {
                let args = fixed(&["connector", "entity"])?;
                let connector = self.connector(&args.text("connector")?)?;
                describe::entity(connector, &args.text("entity")?)
            }
            VALIDATE_OPERATION => {
                let args = fixed(&["connector", "entity", "action", "params"])?;
                let connector = self.connector(&args.text("connector")?)?;
                let op = ExecutionConfig::new(args.text("entity")?, args.text("action")?)
                    .params(args.params()?);
                connector.validate(&op)?;
                Ok(json!({
                    "valid": true,
                    "connector": connector.name(),
                    "entity": op.entity,
                    "action": op.action,
                    "message": "The call is valid; run it with the connector's execute tool.",
                }))
            }
            ASK if self.inner.workspace.is_some() => {
                let args = fixed(&["prompt"])?;
                self.ask(&args.text("prompt")?).await
            }
            _ => self.execute(name, &arguments).await,
        }
    }

    fn connector(&self, name: &str) -> Result<&ServedConnector> {
        self.inner
            .connectors
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| Error::NotFound {
                what: "connector".into(),
                name: name.to_string(),
                scope: "this MCP server".into(),
                available: self
                    .inner
                    .connectors
                    .iter()
                    .map(|c| c.name.clone())
                    .collect(),
            })
    }

    async fn execute(&self, tool: &str, arguments: &Value) -> Result<Value> {
        let Some(index) = self.inner.execute_specs.iter().position(|s| s.name == tool) else {
            return Err(Error::NotFound {
                what: "tool".into(),
                name: tool.to_string(),
                scope: "this MCP server".into(),
                available: self
                    .inner
                    .tools
                    .iter()
                    .map(|t| t.name.to_string())
                    .collect(),
            });
        };
        let connector = &self.inner.connectors[index];
        let call = self.inner.execute_specs[index].parse_call(arguments)?;
        tracing::info!(
            connector = connector.name(),
            entity = %call.config.entity,
            action = %call.config.action,
            params = ?call.config.params.keys().collect::<Vec<_>>(),
            "execute"
        );
        let action = call.config.action.clone();
        let result = connector.execute(call.config).await?;
        let value = serde_json::to_value(result).map_err(|e| Error::Decode {
            what: "execution result".into(),
            message: e.to_string(),
        })?;
        let shape = call
            .shape
            .with_max_output_bytes(self.inner.max_output_bytes);
        let shaped = shape_output(value, &action, &shape)?;
        if let Some(info) = &shaped.truncated {
            tracing::info!(omitted = info.omitted_records, "result truncated to budget");
        }
        Ok(shaped.value)
    }

    async fn ask(&self, prompt: &str) -> Result<Value> {
        let Some(workspace) = &self.inner.workspace else {
            return Err(Error::invalid_argument(ASK, "no workspace to ask"));
        };
        let answer = workspace.ask(prompt).await?;
        let mut value = serde_json::to_value(answer).map_err(|e| Error::Decode {
            what: "ask result".into(),
            message: e.to_string(),
        })?;
        // The answer matters most: over budget, the tool calls behind it go.
        let size = value.to_string().len();
        if self.inner.max_output_bytes.is_some_and(|b| size > b)
            && let Some(obj) = value.as_object_mut()
            && let Some(Value::Array(results)) = obj.remove("results")
        {
            obj.insert(
                "_truncated".into(),
                json!({
                    "omitted_results": results.len(),
                    "original_bytes": size,
                    "message": "the tool calls behind the answer were left out to fit the output budget",
                }),
            );
        }
        Ok(value)
    }
}

/// A tool's arguments, checked against the names it accepts.
struct Arguments(Map<String, Value>);

impl Arguments {
    fn parse(arguments: &Value, accepted: &[&str]) -> Result<Self> {
        let map = match arguments {
            Value::Object(m) => m.clone(),
            Value::Null => Map::new(),
            _ => {
                return Err(Error::invalid_argument(
                    "arguments",
                    "tool arguments must be a JSON object",
                ));
            }
        };
        if let Some(unknown) = map.keys().find(|k| !accepted.contains(&k.as_str())) {
            return Err(Error::invalid_argument(
                unknown.clone(),
                format!(
                    "unknown argument; this tool accepts: {}",
                    if accepted.is_empty() {
                        "no arguments".to_string()
                    } else {
                        accepted.join(", ")
                    }
                ),
            ));
        }
        Ok(Self(map))
    }

    fn text(&self, name: &str) -> Result<String> {
        match self.0.get(name) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            _ => Err(Error::invalid_argument(
                name,
                "required, a non-empty string (see the tool schema)",
            )),
        }
    }

    fn params(&self) -> Result<Map<String, Value>> {
        match self.0.get("params") {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(p)) => Ok(p.clone()),
            Some(_) => Err(Error::invalid_argument(
                "params",
                "must be an object of parameter name to value",
            )),
        }
    }
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "airbyte-agent",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(tools::INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.inner.tools.clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<CallToolResponse, ErrorData> {
        let arguments = request.arguments.map(Value::Object).unwrap_or(Value::Null);
        Ok(McpServer::call_tool(self, &request.name, arguments)
            .await
            .into())
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.inner.tools.iter().find(|t| t.name == name).cloned()
    }
}
