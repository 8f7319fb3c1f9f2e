//! Reading upstream definitions as raw JSON values.
//!
//! Deliberately independent of the SDK's own definition model: the oracle
//! must not inherit the model's blind spots. Only what the case generator
//! needs is read here (servers, security schemes, operations).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// HTTP methods an OpenAPI path item can hold, in the order we enumerate them.
const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

/// One upstream definition, parsed.
#[derive(Debug, Clone)]
pub struct RawSpec {
    /// Connector slug (the directory name under `specs/`).
    pub slug: String,
    /// Path of `connector.yaml`.
    pub path: PathBuf,
    /// The whole document.
    pub doc: Value,
}

/// One operation (`x-airbyte-entity` + `x-airbyte-action`) of a definition.
#[derive(Debug, Clone)]
pub struct RawOperation {
    /// Entity name.
    pub entity: String,
    /// Action name.
    pub action: String,
    /// Lower-case HTTP method.
    pub method: String,
    /// OpenAPI path template.
    pub path: String,
    /// Path-level and operation-level parameters, `$ref`s resolved (operation wins).
    pub parameters: Vec<Value>,
    /// The operation object itself.
    pub operation: Value,
}

impl RawSpec {
    /// Reads and parses one `connector.yaml`.
    pub fn load(slug: &str, path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let doc: Value =
            serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Self {
            slug: slug.to_string(),
            path: path.to_path_buf(),
            doc,
        })
    }

    /// Every definition under a `specs/` directory, sorted by slug.
    pub fn load_dir(dir: &Path) -> Result<Vec<Self>, String> {
        let mut out = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let file = entry.path().join("connector.yaml");
            if file.is_file() {
                let slug = entry.file_name().to_string_lossy().into_owned();
                out.push(Self::load(&slug, &file)?);
            }
        }
        out.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(out)
    }

    /// Follows a local `$ref` (`#/a/b`) chain; other values are returned as is.
    pub fn deref<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..32 {
            let Some(r) = value.get("$ref").and_then(Value::as_str) else {
                return value;
            };
            match r.strip_prefix('#').and_then(|p| self.doc.pointer(p)) {
                Some(target) => value = target,
                None => return &Value::Null,
            }
        }
        value
    }

    /// The first server URL (the one both executors use).
    pub fn server_url(&self) -> String {
        self.doc
            .pointer("/servers/0/url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    /// Variables of the first server: name → default (empty when none).
    pub fn server_variables(&self) -> Vec<(String, String)> {
        let Some(vars) = self
            .doc
            .pointer("/servers/0/variables")
            .and_then(Value::as_object)
        else {
            return Vec::new();
        };
        vars.iter()
            .map(|(k, v)| {
                let default = v.get("default").map(scalar_text).unwrap_or_default();
                (k.clone(), default)
            })
            .collect()
    }

    /// Security schemes in document order.
    pub fn security_schemes(&self) -> Vec<(String, Value)> {
        self.doc
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), self.deref(v).clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every operation carrying `x-airbyte-entity` and `x-airbyte-action`, in document order.
    pub fn operations(&self) -> Vec<RawOperation> {
        let mut out = Vec::new();
        let Some(paths) = self.doc.get("paths").and_then(Value::as_object) else {
            return out;
        };
        for (path, item) in paths {
            let item = self.deref(item);
            let shared = self.param_list(item.get("parameters"));
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let (Some(entity), Some(action)) = (
                    op.get("x-airbyte-entity").and_then(Value::as_str),
                    op.get("x-airbyte-action").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let own = self.param_list(op.get("parameters"));
                let mut parameters: Vec<Value> = shared
                    .iter()
                    .filter(|p| !own.iter().any(|o| same_param(o, p)))
                    .cloned()
                    .collect();
                parameters.extend(own);
                out.push(RawOperation {
                    entity: entity.to_string(),
                    action: action.to_string(),
                    method: method.to_string(),
                    path: path.clone(),
                    parameters,
                    operation: op.clone(),
                });
            }
        }
        out
    }

    fn param_list(&self, list: Option<&Value>) -> Vec<Value> {
        list.and_then(Value::as_array)
            .map(|ps| ps.iter().map(|p| self.deref(p).clone()).collect())
            .unwrap_or_default()
    }

    /// The JSON request body schema of an operation (first content type), if any.
    pub fn request_body(&self, op: &RawOperation) -> Option<(String, Value)> {
        let body = self.deref(op.operation.get("requestBody")?);
        let content = body.get("content")?.as_object()?;
        let (ctype, media) = content.iter().next()?;
        let schema = media
            .get("schema")
            .map(|s| self.deref(s).clone())
            .unwrap_or(Value::Null);
        Some((ctype.clone(), schema))
    }

    /// The success response of an operation: status, content type and schema.
    pub fn success_response(&self, op: &RawOperation) -> (u16, Option<String>, Value) {
        let Some(responses) = op.operation.get("responses").and_then(Value::as_object) else {
            return (200, None, Value::Null);
        };
        let picked = responses
            .iter()
            .filter_map(|(code, r)| code.parse::<u16>().ok().map(|c| (c, r)))
            .filter(|(c, _)| (200..300).contains(c))
            .min_by_key(|(c, _)| *c);
        let Some((status, resp)) = picked else {
            return (200, None, Value::Null);
        };
        let resp = self.deref(resp);
        let Some(content) = resp.get("content").and_then(Value::as_object) else {
            return (status, None, Value::Null);
        };
        let chosen = content
            .iter()
            .find(|(k, _)| k.contains("json"))
            .or_else(|| content.iter().next());
        match chosen {
            Some((ctype, media)) => (
                status,
                Some(ctype.clone()),
                media.get("schema").cloned().unwrap_or(Value::Null),
            ),
            None => (status, None, Value::Null),
        }
    }
}

fn same_param(a: &Value, b: &Value) -> bool {
    a.get("name") == b.get("name") && a.get("in") == b.get("in")
}

/// A scalar as text (what a config value or server variable default is).
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Object properties of a (dereferenced) schema, merging `allOf` members.
pub fn properties(spec: &RawSpec, schema: &Value) -> Map<String, Value> {
    let schema = spec.deref(schema);
    let mut out = Map::new();
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for member in all {
            out.extend(properties(spec, member));
        }
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

/// Required property names of a schema (with `allOf` members).
pub fn required(spec: &RawSpec, schema: &Value) -> Vec<String> {
    let schema = spec.deref(schema);
    let mut out: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for member in all {
            for r in required(spec, member) {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
    }
    out
}
