# Dumps key facts of the reference SDK's parsed connector model as JSON, so
# tests can compare our loader with it. Usage: python dump_reference_model.py SPECS_DIR
import glob
import json
import os
import sys

from airbyte_agent_sdk.connector_model_loader import load_connector_model
from airbyte_agent_sdk.executor.models import find_check_operation


def val(x):
    return getattr(x, "value", x)


def param_facts(schemas):
    return {
        name: {
            "type": s.get("type", "string"),
            "required": bool(s.get("required")),
            "default": s.get("default"),
            "enum": s.get("enum"),
            "style": s.get("style"),
            "explode": s.get("explode"),
            "config_inject": s.get("config_inject"),
        }
        for name, s in schemas.items()
    }


def option_facts(kind, config, scheme_name):
    return {
        "scheme_name": scheme_name,
        "type": val(kind),
        "header": config.get("header"),
        "prefix": config.get("prefix"),
        "in": config.get("in"),
        "refresh_url": config.get("refresh_url"),
        "auth_style": config.get("auth_style"),
        "body_format": config.get("body_format"),
        "grant_type": config.get("grant_type"),
        "token_extract": config.get("token_extract"),
        "additional_headers": config.get("additional_headers"),
    }


out = {}
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*", "connector.yaml"))):
    slug = os.path.basename(os.path.dirname(path))
    m = load_connector_model(path)
    entities = []
    for e in m.entities:
        actions = []
        for action, ep in e.endpoints.items():
            actions.append(
                {
                    "action": val(action),
                    "method": ep.method,
                    "path": ep.path,
                    "path_override": ep.path_override.path if ep.path_override else None,
                    "record_extractor": ep.record_extractor,
                    "meta_extractor": ep.meta_extractor or {},
                    "record_filter": getattr(ep, "record_filter", None),
                    "record_transform": getattr(ep, "record_transform", None) or {},
                    "file_field": ep.file_field,
                    "no_pagination": getattr(ep, "no_pagination", None),
                    "preferred_for_check": ep.preferred_for_check,
                    "upload_file_param": getattr(ep, "upload_file_param", None),
                    "content_type": val(ep.content_type),
                    "path_params": ep.path_params,
                    "query_params": ep.query_params,
                    "header_params": ep.header_params,
                    "deep_object_params": ep.deep_object_params,
                    "query_params_schema": param_facts(ep.query_params_schema),
                    "path_params_schema": param_facts(ep.path_params_schema),
                    "header_params_schema": param_facts(ep.header_params_schema),
                    "body_fields": ep.body_fields,
                    "body_is_array": getattr(ep, "body_is_array", None),
                    "request_body_defaults": ep.request_body_defaults,
                    "graphql_query": (ep.graphql_body or {}).get("query"),
                    "no_content_response": ep.no_content_response,
                    "has_response_schema": ep.response_schema is not None,
                    "request_schema": ep.request_schema,
                    "response_schema": ep.response_schema,
                }
            )
        entities.append({"name": e.name, "stream_name": e.stream_name, "actions": actions})
    auth = m.auth
    if auth.is_multi_auth():
        options = [option_facts(o.type, o.config, o.scheme_name) for o in auth.options]
    else:
        options = [option_facts(auth.type, auth.config, None)]
    check = find_check_operation(m)
    out[slug] = {
        "name": m.name,
        "id": str(m.id),
        "version": m.version,
        "base_url": m.base_url,
        "server_variable_defaults": m.server_variable_defaults,
        "multi_auth": auth.is_multi_auth(),
        "auth_options": options,
        "check": [check[0], val(check[1]), check[2]] if check else None,
        "scoping": [s.param for s in getattr(m, "scoping", []) or []],
        "retry": m.retry_config.model_dump() if m.retry_config else None,
        "entities": entities,
    }
json.dump(out, sys.stdout, default=str)
