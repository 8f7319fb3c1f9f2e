//! The connector struct: constants, hosted and local constructors, entity
//! accessors, and its `TypedConnector` implementation.

use airbyte_agent_sdk::definition::ConnectorDefinition;

use crate::docs::doc_attrs;
use crate::ident::Namespace;

/// Inherent functions of the connector struct; entity accessors and
/// per-scheme constructors must not take these names.
pub const CONNECTOR_METHODS: &[&str] = &[
    "new",
    "from_arc",
    "executor",
    "check",
    "connect",
    "hosted",
    "hosted_by_id",
    "hosted_in_workspace",
    "from_auth_config",
    "local",
    "local_with_definition",
    "definition",
];

/// Emits the connector struct with `accessors` (entity handle methods,
/// already emitted) inside its impl. `methods` holds the names taken so far.
pub fn emit(
    def: &ConnectorDefinition,
    connector: &str,
    accessors: &str,
    embed: Option<&str>,
    methods: &mut Namespace,
) -> String {
    let sdk = "airbyte_agent_sdk";
    let title = def
        .description
        .as_deref()
        .map(|d| format!("{}: {d}", def.display_name))
        .unwrap_or_else(|| format!("The {} connector.", def.display_name));
    let local_hint = if embed.is_some() {
        format!("`{connector}::local()` and the `local_*` functions")
    } else {
        format!("`{connector}::local_with_definition`")
    };
    let docs = doc_attrs(&format!(
        "{title}\n\nHosted mode (through an Airbyte workspace): `{connector}::connect()`, \
         `hosted_by_id`, `hosted_in_workspace`, `from_auth_config`. Local mode (your \
         vendor credentials, straight to the vendor's API): {local_hint}. Any other \
         executor: `{connector}::new`."
    ));
    let (embedded, yaml_const) = match embed {
        Some(path) => (
            format!(
                "/// The connector definition this module was generated from (YAML).\n\
                 pub const DEFINITION_YAML: &'static str = include_str!({path:?});\n\
                 /// The embedded definition, parsed.\n\
                 pub fn definition() -> {sdk}::Result<{sdk}::definition::ConnectorDefinition> {{\n\
                 <Self as {sdk}::typed::TypedConnector>::definition()\n}}\n\
                 /// Local mode from the embedded definition: set credentials with `.auth(field, value)` \
                 (or use a `local_*` function) and config values with `.config(..)`, then `.build()`.\n\
                 pub fn local() -> {sdk}::typed::TypedLocal<Self> {{\n\
                 {sdk}::typed::local::<Self>()\n}}\n{schemes}",
                schemes = scheme_constructors(def, methods),
            ),
            "Some(Self::DEFINITION_YAML)".to_string(),
        ),
        None => (String::new(), "None".to_string()),
    };
    format!(
        "{docs}#[derive(Clone)]\npub struct {connector} {{\n\
         executor: std::sync::Arc<dyn {sdk}::Executor>,\n}}\n\
         impl std::fmt::Debug for {connector} {{\n\
         fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n\
         f.debug_struct({connector:?}).finish_non_exhaustive()\n}}\n}}\n\
         impl {connector} {{\n\
         /// The connector name in the definition.\n\
         pub const NAME: &'static str = {name:?};\n\
         /// The definition id (`x-airbyte-connector-definition-id`).\n\
         pub const DEFINITION_ID: &'static str = {id:?};\n\
         /// The definition version the module was generated from.\n\
         pub const DEFINITION_VERSION: &'static str = {version:?};\n\
         /// A connector running its operations through `executor`.\n\
         pub fn new(executor: impl {sdk}::Executor + 'static) -> Self {{\n\
         Self::from_arc(std::sync::Arc::new(executor))\n}}\n\
         /// A connector sharing an executor.\n\
         pub fn from_arc(executor: std::sync::Arc<dyn {sdk}::Executor>) -> Self {{\n\
         Self {{ executor }}\n}}\n\
         /// The executor the connector runs on.\n\
         pub fn executor(&self) -> &std::sync::Arc<dyn {sdk}::Executor> {{\n\
         &self.executor\n}}\n\
         /// Checks connectivity and credentials.\n\
         pub async fn check(&self) -> {sdk}::Result<{sdk}::CheckResult> {{\n\
         self.executor.check().await\n}}\n\
         /// Hosted mode: connects through Airbyte (credentials from the builder, \
         `configure`, or the environment); the connector is the workspace's one made \
         from this definition, or the one given by `.connector_id(..)`.\n\
         pub fn connect() -> {sdk}::typed::TypedConnect<Self> {{\n\
         {sdk}::typed::connect::<Self>()\n}}\n\
         /// Hosted mode over an executor you configured.\n\
         pub fn hosted(executor: {sdk}::HostedExecutor) -> Self {{\n\
         {sdk}::typed::hosted(executor)\n}}\n\
         /// Hosted mode for a known connector id (no lookup).\n\
         pub fn hosted_by_id(client: {sdk}::cloud::CloudClient, connector_id: impl Into<String>) -> Self {{\n\
         Self::hosted({sdk}::HostedExecutor::by_id(client, connector_id).with_label(Self::NAME))\n}}\n\
         /// Hosted mode for the connector of `workspace_name` made from this definition \
         (looked up on each call).\n\
         pub fn hosted_in_workspace(client: {sdk}::cloud::CloudClient, workspace_name: impl Into<String>) -> Self {{\n\
         Self::hosted({sdk}::HostedExecutor::by_definition(client, workspace_name, Self::DEFINITION_ID).with_label(Self::NAME))\n}}\n\
         /// Hosted mode from Airbyte credentials: the connector id of `auth` when set, \
         else a lookup in its workspace.\n\
         pub fn from_auth_config(auth: {sdk}::AirbyteAuthConfig) -> {sdk}::Result<Self> {{\n\
         {sdk}::typed::from_auth_config(auth)\n}}\n\
         /// Local mode from a definition you loaded.\n\
         pub fn local_with_definition(definition: {sdk}::definition::ConnectorDefinition) -> {sdk}::typed::TypedLocal<Self> {{\n\
         {sdk}::typed::local_with_definition::<Self>(definition)\n}}\n\
         {embedded}{accessors}}}\n\
         impl {sdk}::typed::TypedConnector for {connector} {{\n\
         const NAME: &'static str = {name:?};\n\
         const DEFINITION_ID: &'static str = {id:?};\n\
         const DEFINITION_YAML: Option<&'static str> = {yaml_const};\n\
         fn from_executor(executor: std::sync::Arc<dyn {sdk}::Executor>) -> Self {{\n\
         Self::from_arc(executor)\n}}\n}}\n",
        name = def.name,
        id = def.definition_id,
        version = def.version,
    )
}

/// One `local_<scheme>` function per auth option, taking the option's
/// required credential fields.
fn scheme_constructors(def: &ConnectorDefinition, methods: &mut Namespace) -> String {
    let sdk = "airbyte_agent_sdk";
    let mut out = String::new();
    let several = def.auth_options.len() > 1;
    for option in &def.auth_options {
        let method = methods.claim_snake(&format!("local_{}", option.scheme_name));
        let config = &option.user_config;
        let mut args = Namespace::with_reserved(&["self"]);
        let mut signature = Vec::new();
        let mut sets = String::new();
        let mut field_docs = Vec::new();
        for field in &config.required {
            let arg = args.claim_snake(field);
            signature.push(format!("{arg}: impl Into<String>"));
            sets.push_str(&format!(".auth({field:?}, {arg})"));
            field_docs.push(field_doc(field, config.properties.get(field), true));
        }
        for (field, spec) in &config.properties {
            if !config.required.contains(field) {
                field_docs.push(field_doc(field, Some(spec), false));
            }
        }
        let select = if several {
            format!(".auth_scheme({:?})", option.scheme_name)
        } else {
            String::new()
        };
        let mut text = format!(
            "Local mode with the `{}` credentials ({:?}).",
            option.scheme_name.replace('`', "'"),
            option.auth_type
        );
        if !field_docs.is_empty() {
            text.push_str("\n\n");
            text.push_str(&field_docs.join("\n"));
        }
        out.push_str(&doc_attrs(&text));
        out.push_str(&format!(
            "pub fn {method}({args}) -> {sdk}::typed::TypedLocal<Self> {{\n\
             Self::local(){select}{sets}\n}}\n",
            args = signature.join(", "),
        ));
    }
    out
}

fn field_doc(
    field: &str,
    spec: Option<&airbyte_agent_sdk::definition::AuthField>,
    required: bool,
) -> String {
    let what = spec
        .and_then(|s| s.description.as_deref().or(s.title.as_deref()))
        .map(|d| format!(": {}", d.lines().next().unwrap_or_default().trim()))
        .unwrap_or_default();
    let how = if required {
        "argument"
    } else {
        "optional, set with `.auth(..)`"
    };
    format!("- `{}` ({how}){what}", field.replace('`', "'"))
}
