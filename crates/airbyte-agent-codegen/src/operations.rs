//! The connector struct, entity handles and one fluent builder per action.

use airbyte_agent_sdk::definition::{Action, ConnectorDefinition, Entity, Operation};
use serde_json::Value;

use crate::connector::CONNECTOR_METHODS;
use crate::docs::{doc_attrs, doc_paragraphs};
use crate::ident::{Namespace, pascal};
use crate::types::{RustType, TypeGen, description};

/// Methods of every builder that parameter setters must not take.
const BUILDER_METHODS: &[&str] = &["send", "send_raw", "paginate", "raw_param", "into_config"];
/// Local names in generated handle methods that arguments must not take.
const LOCAL_NAMES: &[&str] = &["params", "executor"];

/// One parameter of an operation as the typed API exposes it.
struct TypedParam {
    /// Name sent to the executor.
    name: String,
    ty: RustType,
    /// Caller must supply it: a constructor argument of the builder.
    required: bool,
    docs: String,
}

/// What `send()` returns.
enum Output {
    /// `Page<T>`: the data is an array of records.
    Page(String),
    /// `T`: the data is one value.
    Single(String),
    /// `airbyte_agent_sdk::ByteStream`.
    Download,
}

/// Emits the connector, handle and builder items; record types go to
/// `types`. `embed` is the `include_str!` path of the definition, if any.
pub fn emit(
    def: &ConnectorDefinition,
    connector: &str,
    embed: Option<&str>,
    types: &mut TypeGen,
) -> Vec<String> {
    let mut items = Vec::new();
    let mut accessors = String::new();
    let mut methods = Namespace::with_reserved(CONNECTOR_METHODS);
    for entity in &def.entities {
        let handle = types
            .names
            .claim_pascal(&format!("{}Handle", pascal(&entity.name)));
        let accessor = methods.claim_snake(&entity.name);
        accessors.push_str(&doc_attrs(&format!(
            "Operations on `{}`.",
            entity.name.replace('`', "'")
        )));
        accessors.push_str(&format!(
            "pub fn {accessor}(&self) -> {handle} {{\n{handle} {{ executor: self.executor.clone() }}\n}}\n"
        ));
        items.push(emit_handle(def, entity, &handle, types));
    }
    items.insert(
        0,
        crate::connector::emit(def, connector, &accessors, embed, &mut methods),
    );
    items
}

fn emit_handle(
    def: &ConnectorDefinition,
    entity: &Entity,
    handle: &str,
    types: &mut TypeGen,
) -> String {
    let mut methods = String::new();
    let mut builders = Vec::new();
    for op in entity.operations.values() {
        let builder = types.names.claim_pascal(&format!(
            "{}{}Builder",
            pascal(&entity.name),
            pascal(op.action.as_str())
        ));
        let params = typed_params(def, op, &builder, types);
        let mut args = Namespace::with_reserved(LOCAL_NAMES);
        let mut signature = String::new();
        let mut sets = String::new();
        for p in params.iter().filter(|p| p.required) {
            let arg = args.claim_snake(&p.name);
            let (arg_ty, conv) = argument(&p.ty, &arg);
            signature.push_str(&format!(", {arg}: {arg_ty}"));
            sets.push_str(&format!("params.set({:?}, {conv});\n", p.name));
        }
        let mut op_docs = doc_paragraphs([op.summary.as_deref(), op.description.as_deref()]);
        let required_docs: Vec<String> = params
            .iter()
            .filter(|p| p.required)
            .map(|p| format!("- `{}`", p.name.replace('`', "'")))
            .collect();
        if !required_docs.is_empty() {
            if !op_docs.is_empty() {
                op_docs.push_str("#[doc = \"\"]\n");
            }
            op_docs.push_str(&doc_attrs(&format!(
                "Required parameters, in argument order:\n{}",
                required_docs.join("\n")
            )));
        }
        if op_docs.is_empty() {
            op_docs = doc_attrs(&format!(
                "Starts a `{}.{}` request.",
                entity.name.replace('`', "'"),
                op.action
            ));
        }
        let mutability = if sets.is_empty() { "" } else { "mut " };
        methods.push_str(&format!(
            "{op_docs}pub fn {action}(&self{signature}) -> {builder} {{\n\
             let {mutability}params = airbyte_agent_sdk::typed::ParamMap::new();\n{sets}\
             {builder} {{ executor: self.executor.clone(), params }}\n}}\n",
            action = op.action.as_str(),
        ));
        builders.push(emit_builder(def, entity, op, &builder, &params, types));
    }
    let docs = doc_attrs(&format!(
        "Operations on the `{}` entity of the `{}` connector.",
        entity.name.replace('`', "'"),
        def.name
    ));
    let mut out = format!(
        "{docs}#[derive(Clone)]\npub struct {handle} {{\n\
         executor: std::sync::Arc<dyn airbyte_agent_sdk::Executor>,\n}}\n\
         impl std::fmt::Debug for {handle} {{\n\
         fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n\
         f.debug_struct({handle:?}).finish_non_exhaustive()\n}}\n}}\n\
         impl {handle} {{\n{methods}}}\n"
    );
    for b in builders {
        out.push_str(&b);
    }
    out
}

/// The argument type of a required parameter and the conversion applied.
fn argument(ty: &RustType, arg: &str) -> (String, String) {
    if ty.is_string {
        (
            "impl Into<String>".to_string(),
            format!("Into::<String>::into({arg})"),
        )
    } else {
        (ty.expr.clone(), arg.to_string())
    }
}

fn typed_params(
    def: &ConnectorDefinition,
    op: &Operation,
    builder: &str,
    types: &mut TypeGen,
) -> Vec<TypedParam> {
    let stem = builder
        .strip_suffix("Builder")
        .unwrap_or(builder)
        .to_string();
    let mut out: Vec<TypedParam> = Vec::new();
    for p in &op.parameters {
        if out.iter().any(|q| q.name == p.name) {
            continue;
        }
        let scoped = def.scoping.iter().any(|s| s.param == p.name);
        let mut schema = p.schema.clone();
        if schema.get("type").is_none() && schema.get("enum").is_none() {
            // The engine treats an untyped parameter as a string.
            if let Some(obj) = schema.as_object_mut() {
                obj.insert("type".into(), Value::from("string"));
            }
        }
        let ty = types.rust_type(&schema, &format!("{stem}{}", pascal(&p.name)));
        let docs = doc_paragraphs([p.description.as_deref(), description(&p.schema)]);
        out.push(TypedParam {
            name: p.name.clone(),
            ty,
            required: p.required && p.default.is_none() && p.config_inject.is_none() && !scoped,
            docs,
        });
    }
    let Some(body) = op.request_body.as_ref().filter(|b| b.graphql.is_none()) else {
        return out;
    };
    let body_schema = body.schema.as_ref().map(|s| {
        if body.is_array {
            s.get("items").cloned().unwrap_or(Value::Null)
        } else {
            s.clone()
        }
    });
    for field in &body.fields {
        if out.iter().any(|q| &q.name == field) {
            continue;
        }
        let schema = body_schema
            .as_ref()
            .and_then(|s| s.get("properties"))
            .and_then(|p| p.get(field))
            .cloned()
            .unwrap_or(Value::Null);
        let ty = types.rust_type(&schema, &format!("{stem}{}", pascal(field)));
        out.push(TypedParam {
            name: field.clone(),
            ty,
            required: body.required
                && body.required_fields.contains(field)
                && !body.defaults.contains_key(field),
            docs: doc_attrs(description(&schema).unwrap_or_default()),
        });
    }
    out
}

fn emit_builder(
    def: &ConnectorDefinition,
    entity: &Entity,
    op: &Operation,
    builder: &str,
    params: &[TypedParam],
    types: &mut TypeGen,
) -> String {
    let mut setters = String::new();
    let mut names = Namespace::with_reserved(BUILDER_METHODS);
    for p in params.iter().filter(|p| !p.required) {
        let method = names.claim_snake(&p.name);
        let (arg_ty, conv) = argument(&p.ty, "value");
        let docs = if p.docs.is_empty() {
            doc_attrs(&format!("Sets `{}`.", p.name.replace('`', "'")))
        } else {
            p.docs.clone()
        };
        setters.push_str(&format!(
            "{docs}pub fn {method}(mut self, value: {arg_ty}) -> Self {{\n\
             self.params.set({name:?}, {conv});\nself\n}}\n",
            name = p.name,
        ));
    }
    let record_hint = entity
        .schema_name
        .clone()
        .unwrap_or_else(|| format!("{}Record", pascal(&entity.name)));
    let output = output_of(entity, op, &record_hint, types);
    let (ret, body) = match &output {
        Output::Download => (
            "airbyte_agent_sdk::ByteStream".to_string(),
            "self.executor.download(op).await".to_string(),
        ),
        Output::Page(t) => (
            format!("airbyte_agent_sdk::typed::Page<{t}>"),
            "let result = self.executor.execute_json(op).await?;\n\
             airbyte_agent_sdk::typed::decode_json_page(Self::ENTITY, Self::ACTION, result)"
                .to_string(),
        ),
        Output::Single(t) => (
            t.clone(),
            "let result = self.executor.execute(op).await?;\n\
             airbyte_agent_sdk::typed::decode(Self::ENTITY, Self::ACTION, result.data)"
                .to_string(),
        ),
    };
    let mut extra = String::new();
    if !matches!(output, Output::Download) {
        extra.push_str(
            "/// Runs the operation and returns the untyped result, with the metadata\n\
             /// (cursors, totals) the connector extracted.\n\
             pub async fn send_raw(self) -> airbyte_agent_sdk::Result<airbyte_agent_sdk::ExecutionResult> {\n\
             let op = self.params.into_config(Self::ENTITY, Self::ACTION)?;\n\
             self.executor.execute(op).await\n}\n",
        );
    }
    if op.action == Action::List {
        let item = match &output {
            Output::Page(t) => t.clone(),
            _ => "serde_json::Value".to_string(),
        };
        extra.push_str(&format!(
            "/// Streams every record, following the connector's pagination.\n\
             pub fn paginate(self) -> impl futures::Stream<Item = airbyte_agent_sdk::Result<{item}>> + Send + 'static {{\n\
             airbyte_agent_sdk::typed::paginate_as(self.executor, self.params.into_config(Self::ENTITY, Self::ACTION))\n}}\n"
        ));
    }
    let docs = doc_attrs(&format!(
        "Request builder for `{}.{}` of the `{}` connector; run it with `send()`.",
        entity.name.replace('`', "'"),
        op.action,
        def.name
    ));
    format!(
        "{docs}#[must_use = \"a request does nothing until it is sent\"]\n#[derive(Clone)]\n\
         pub struct {builder} {{\n\
         executor: std::sync::Arc<dyn airbyte_agent_sdk::Executor>,\n\
         params: airbyte_agent_sdk::typed::ParamMap,\n}}\n\
         impl std::fmt::Debug for {builder} {{\n\
         fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n\
         f.debug_struct({builder:?}).field(\"params\", self.params.as_map()).finish_non_exhaustive()\n}}\n}}\n\
         impl {builder} {{\n\
         const ENTITY: &'static str = {entity_name:?};\n\
         const ACTION: &'static str = {action:?};\n\
         {setters}\
         /// Sets a parameter by name with a raw JSON value (for parameters the\n\
         /// definition does not describe).\n\
         pub fn raw_param(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {{\n\
         self.params.set_value(name, value);\nself\n}}\n\
         /// The operation this builder describes.\n\
         pub fn into_config(self) -> airbyte_agent_sdk::Result<airbyte_agent_sdk::ExecutionConfig> {{\n\
         self.params.into_config(Self::ENTITY, Self::ACTION)\n}}\n\
         /// Runs the operation.\n\
         pub async fn send(self) -> airbyte_agent_sdk::Result<{ret}> {{\n\
         let op = self.params.into_config(Self::ENTITY, Self::ACTION)?;\n{body}\n}}\n\
         {extra}}}\n",
        entity_name = entity.name,
        action = op.declared_action,
    )
}

/// The type `send()` returns, from the response schema navigated by the
/// record extractor.
fn output_of(entity: &Entity, op: &Operation, record_hint: &str, types: &mut TypeGen) -> Output {
    if op.action == Action::Download {
        return Output::Download;
    }
    // Transformed records no longer have the response schema's shape.
    if !op.record_transform.is_empty() {
        return Output::Single("serde_json::Value".to_string());
    }
    let Some((schema, traversed_array)) = op
        .response
        .schema()
        .and_then(|s| extracted_schema(s, op.record_extractor.as_deref()))
    else {
        return Output::Single("serde_json::Value".to_string());
    };
    let is_array = schema.get("type").and_then(Value::as_str) == Some("array");
    let lists = matches!(op.action, Action::List | Action::Search);
    let (record_schema, many) = if is_array {
        (schema.get("items").cloned().unwrap_or(Value::Null), true)
    } else {
        (schema, traversed_array && lists)
    };
    let hint = if entity.schema() == Some(&record_schema) {
        record_hint.to_string()
    } else {
        format!(
            "{}{}Record",
            pascal(&entity.name),
            pascal(op.action.as_str())
        )
    };
    let ty = types.rust_type(&record_schema, &hint);
    // Only object records are decoded into a type: the engine wraps
    // primitive records as `{"value": …}`.
    let record = if ty.expr.starts_with("serde_json::") || is_named(&ty) {
        ty.expr
    } else {
        "serde_json::Value".to_string()
    };
    if many {
        Output::Page(record)
    } else if ty.nullable && record != "serde_json::Value" {
        Output::Single(format!("Option<{record}>"))
    } else {
        Output::Single(record)
    }
}

/// A generated struct or enum (not a std/serde_json type).
fn is_named(ty: &RustType) -> bool {
    !ty.expr.contains('<')
        && !ty.expr.contains("::")
        && !matches!(ty.expr.as_str(), "String" | "i64" | "f64" | "bool")
}

/// The schema of the data a record extractor selects (`$.a.b[*].c`), and
/// whether it descended through an array wildcard. `None` when the path
/// cannot be followed in the schema.
fn extracted_schema(response: &Value, extractor: Option<&str>) -> Option<(Value, bool)> {
    let Some(path) = extractor else {
        return Some((response.clone(), false));
    };
    let path = path.trim().strip_prefix('$')?;
    let mut current = response.clone();
    let mut traversed = false;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, wildcard) = match part.strip_suffix("[*]") {
            Some(n) => (n, true),
            None => (part, false),
        };
        if name.contains(['[', ']', '?', '*', '(', '@']) {
            return None;
        }
        if !name.is_empty() {
            current = current.get("properties")?.get(name)?.clone();
        }
        if wildcard {
            current = current.get("items")?.clone();
            traversed = true;
        }
    }
    Some((current, traversed))
}
