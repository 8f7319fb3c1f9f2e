//! Our loader agrees with the reference SDK's own parsed model, connector by
//! connector: entities, actions, methods, paths, extractors, parameters,
//! body fields, auth options and the check operation.
//!
//! The reference model is dumped by `support/dump_reference_model.py` run in
//! the installed reference venv; the same facts are computed from our model
//! and compared field by field.

use std::process::Command;

use airbyte_agent_sdk::definition::{
    self, AuthType, ConnectorDefinition, Operation, ParamLocation, Parameter,
};
use airbyte_agent_testkit::reference::{Version, python, specs_dir};
use serde_json::{Map, Value, json};

const DUMP_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/support/dump_reference_model.py"
);

fn reference_dump(version: Version) -> Option<(Value, std::path::PathBuf)> {
    let py = python(version)?;
    let dir = specs_dir(version)?;
    let out = Command::new(py)
        .arg(DUMP_SCRIPT)
        .arg(&dir)
        .output()
        .expect("run the reference dump script");
    assert!(
        out.status.success(),
        "reference dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dump = serde_json::from_slice(&out.stdout).expect("reference dump is JSON");
    Some((dump, dir))
}

fn param_facts<'a>(params: impl Iterator<Item = &'a Parameter>, with_style: bool) -> Value {
    let mut map = Map::new();
    for p in params {
        map.insert(
            p.name.clone(),
            json!({
                "type": p.schema.get("type").cloned().unwrap_or(json!("string")),
                "required": p.required,
                "default": p.default,
                "enum": p.enum_values,
                "style": if with_style { p.style.as_ref().map(|s| serde_json::to_value(s).unwrap()) } else { None },
                "explode": if with_style { p.explode } else { None },
                "config_inject": p.config_inject.as_ref().map(|c| json!({"source": c.source, "map": c.map})),
            }),
        );
    }
    Value::Object(map)
}

fn names(op: &Operation, location: ParamLocation) -> Vec<String> {
    op.parameters_in(location).map(|p| p.name.clone()).collect()
}

fn operation_facts(op: &Operation, version: Version) -> Value {
    let v380 = version == Version::V0_1_380;
    let body = op.request_body.as_ref();
    let body_fields: Vec<String> = match body {
        Some(b) if b.graphql.is_some() => Vec::new(),
        Some(b) if b.accepts_any_field => vec!["*".to_string()],
        Some(b) if b.is_array && !v380 => Vec::new(),
        Some(b) => b.fields.clone(),
        None => Vec::new(),
    };
    let deep: Vec<String> = op
        .parameters_in(ParamLocation::Query)
        .filter(|p| p.style == Some(definition::ParamStyle::DeepObject))
        .map(|p| p.name.clone())
        .collect();
    json!({
        // 0.1.47 still calls `search` `api_search`; we normalize but keep
        // the declared spelling.
        "action": if v380 { op.action.as_str() } else { op.declared_action.as_str() },
        "method": op.method.as_str(),
        "path": op.path,
        "path_override": op.path_override,
        "record_extractor": op.record_extractor,
        "meta_extractor": op.meta_extractor,
        "record_filter": op.record_filter,
        "record_transform": op.record_transform,
        "file_field": op.file_url,
        "no_pagination": op.no_pagination,
        "preferred_for_check": op.preferred_for_check,
        "upload_file_param": op.upload_file_param,
        "content_type": body.map(|b| b.content_type.mime()).unwrap_or("application/json"),
        "path_params": names(op, ParamLocation::Path),
        "query_params": names(op, ParamLocation::Query),
        "header_params": names(op, ParamLocation::Header),
        "deep_object_params": deep,
        "query_params_schema": param_facts(op.parameters_in(ParamLocation::Query), v380),
        "path_params_schema": param_facts(op.parameters_in(ParamLocation::Path), false),
        "header_params_schema": param_facts(op.parameters_in(ParamLocation::Header), false),
        "body_fields": body_fields,
        "body_is_array": if v380 { Some(body.is_some_and(|b| b.is_array)) } else { None },
        "request_body_defaults": body.map(|b| json!(b.defaults)).unwrap_or(json!({})),
        "graphql_query": op.graphql().map(|g| g.query.clone()),
        "no_content_response": op.response.no_content,
        "has_response_schema": op.response.schema().is_some(),
        // `$ref`s resolved the same way as the reference's jsonref.
        "request_schema": body.and_then(|b| b.schema.clone()),
        "response_schema": op.response.schema(),
    })
}

fn connector_facts(def: &ConnectorDefinition, version: Version) -> Value {
    let multi = def.is_multi_auth();
    let options: Vec<Value> = def
        .auth_options
        .iter()
        .map(|o| {
            let refresh = o.token_refresh.as_ref();
            let is_api_key = o.auth_type == AuthType::ApiKey;
            json!({
                "scheme_name": if multi { Some(o.scheme_name.clone()) } else { None },
                "type": o.auth_type,
                "header": o.header,
                "prefix": o.prefix,
                "in": if is_api_key { o.api_key_location.map(|l| serde_json::to_value(l).unwrap()) } else { None },
                "refresh_url": o.refresh_url,
                "auth_style": refresh.and_then(|r| r.auth_style.clone()),
                "body_format": refresh.and_then(|r| r.body_format.clone()),
                "grant_type": refresh.and_then(|r| r.grant_type),
                "token_extract": if o.token_extract.is_empty() { None } else { Some(o.token_extract.clone()) },
                "additional_headers": if o.additional_headers.is_empty() { None } else { Some(o.additional_headers.clone()) },
            })
        })
        .collect();
    let entities: Vec<Value> = def
        .entities
        .iter()
        .map(|e| {
            json!({
                "name": e.name,
                "stream_name": e.stream_name,
                "actions": e.operations.values().map(|op| operation_facts(op, version)).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "name": def.name,
        "id": def.definition_id,
        "version": def.version,
        "base_url": def.base_url().unwrap_or(""),
        "server_variable_defaults": def.server_variable_defaults(),
        "multi_auth": multi,
        "auth_options": options,
        "check": def.check_operation().map(|c| json!([c.entity, c.action, c.params])),
        "scoping": def.scoping.iter().map(|s| s.param.clone()).collect::<Vec<_>>(),
        "retry": def.retry,
        "entities": entities,
    })
}

/// Paths where two JSON values differ, with both sides.
fn diff(path: &str, ours: &Value, theirs: &Value, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                let child = format!("{path}/{key}");
                diff(
                    &child,
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}/{i}"), x, y, out);
            }
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        // The reference re-serializes component schemas through its pydantic
        // models, which adds empty defaults (`required: []`, `properties: {}`,
        // `example_questions: []` in AI hints) the YAML never had.
        (Value::Null, Value::Array(b)) if b.is_empty() && path.contains("_schema/") => {}
        (Value::Null, Value::Object(b)) if b.is_empty() && path.contains("_schema/") => {}
        _ if ours == theirs => {}
        _ => out.push(format!("{path}: ours={ours} reference={theirs}")),
    }
}

fn compare(version: Version) {
    let Some((dump, dir)) = reference_dump(version) else {
        return;
    };
    let reference = dump.as_object().expect("object keyed by slug");
    let mut differences = Vec::new();
    let mut compared = 0;
    for (file, result) in definition::load_dir_each(&dir).expect("specs dir") {
        let def = result.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let slug = file
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .expect("slug")
            .to_string();
        let theirs = reference
            .get(&slug)
            .unwrap_or_else(|| panic!("reference has no {slug}"));
        diff(
            &slug,
            &connector_facts(&def, version),
            theirs,
            &mut differences,
        );
        compared += 1;
    }
    assert_eq!(
        compared,
        reference.len(),
        "every reference connector compared"
    );
    assert!(
        differences.is_empty(),
        "{} differences from the reference model:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

#[test]
fn model_agrees_with_reference_0_1_380() {
    compare(Version::V0_1_380);
}

#[test]
fn model_agrees_with_reference_0_1_47() {
    compare(Version::V0_1_47);
}

/// `lint`'s `non-portable-schema` check flags exactly the component
/// schemas the reference's own schema model refuses.
#[test]
fn lint_flags_the_component_schemas_the_reference_refuses() {
    let Some(py) = python(Version::V0_1_380) else {
        return;
    };
    let cases: Vec<Value> = [
        json!({"type": "object"}),
        json!({"type": ["object", "null"]}),
        json!({"title": 5}),
        json!({"description": null}),
        json!({"format": true}),
        json!({"pattern": 1}),
        json!({"properties": []}),
        json!({"properties": null}),
        json!({"required": "id"}),
        json!({"required": [1]}),
        json!({"required": null}),
        json!({"required": ["id"]}),
        json!({"enum": "a"}),
        json!({"enum": null}),
        json!({"allOf": {"a": 1}}),
        json!({"minLength": 3}),
        json!({"minLength": 3.0}),
        json!({"minLength": 3.5}),
        json!({"minLength": "4"}),
        json!({"minLength": "x"}),
        json!({"minLength": true}),
        json!({"minimum": "3.5"}),
        json!({"minimum": "many"}),
        json!({"maximum": false}),
        json!({"deprecated": "true"}),
        json!({"deprecated": "maybe"}),
        json!({"readOnly": 1}),
        json!({"writeOnly": 2}),
    ]
    .into();

    let script = "import json, sys\n\
        from airbyte_agent_sdk.schema.components import Schema\n\
        verdicts = []\n\
        for case in json.load(sys.stdin):\n\
        \x20   try:\n\
        \x20       Schema.model_validate(case)\n\
        \x20       verdicts.append(True)\n\
        \x20   except Exception:\n\
        \x20       verdicts.append(False)\n\
        print(json.dumps(verdicts))\n";
    let mut child = Command::new(py)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run the reference");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(Value::Array(cases.clone()).to_string().as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "reference script failed");
    let reference: Vec<bool> = serde_json::from_slice(&out.stdout).unwrap();

    for (case, accepted) in cases.iter().zip(reference) {
        let doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "Probe", "version": "1.0.0",
                     "x-airbyte-connector-definition-id": "00000000-0000-0000-0000-0000000000c1"},
            "servers": [{"url": "https://probe.example.invalid"}],
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
                "schemas": {"Probe": case}
            },
            "paths": {"/items": {"get": {
                "x-airbyte-entity": "items", "x-airbyte-action": "list",
                "responses": {"200": {"description": "ok"}}
            }}}
        });
        let def = definition::load_str(&doc.to_string()).expect("our loader reads the probe");
        let flagged = definition::lint(&def)
            .findings
            .iter()
            .any(|f| f.code == "non-portable-schema");
        assert_eq!(flagged, !accepted, "component schema {case}");
    }
}
