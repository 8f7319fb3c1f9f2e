"""Oracle: the auth headers the reference SDK puts on a request, per scheme.

Usage: python auth_headers.py SPECS_DIR CREDENTIALS_JSON TOKEN_URL_PREFIX

For every security scheme of every definition, takes the reference's own
auth parsing, credential mapping and HTTP client with synthetic credentials
(`syn-<field>`, or CREDENTIALS_JSON for `credentials_json`), points any
token endpoint at TOKEN_URL_PREFIX/<connector>/<scheme> (a loopback server), lets the client obtain a
token when it has none, and prints the headers its auth strategy produces
(or the error) as JSON. Only the auth part of each definition is parsed:
building whole executor models takes minutes.
"""

import asyncio
import json
import pathlib
import sys

import yaml
from airbyte_agent_sdk.connector_model_loader import _parse_auth_from_openapi, parse_openapi_spec
from airbyte_agent_sdk.executor.local_executor import LocalExecutor
from airbyte_agent_sdk.http_client import HTTPClient
from airbyte_agent_sdk.types import AuthConfig


async def headers_for(auth, name, props, key_json, token_url):
    creds = {p: (key_json if p == "credentials_json" else f"syn-{p}") for p in props}
    try:
        if auth.is_multi_auth():
            option = next(o for o in auth.options if o.scheme_name == name)
            selected = AuthConfig(type=option.type, config=option.config)
            spec = option.user_config_spec
        else:
            selected, spec = auth, auth.user_config_spec
        secrets = LocalExecutor._apply_auth_config_mapping(creds, spec)
        client = HTTPClient(base_url="http://127.0.0.1", auth_config=selected, secrets=secrets)
        if client.auth_config.config.get("refresh_url"):
            client.auth_config.config["refresh_url"] = token_url
        await client._ensure_auth_initialized()
        headers = client._inject_auth({})
        return {"headers": {k.lower(): v for k, v in headers.items()}}
    except Exception as e:  # reported, compared as "fails" by the test
        return {"error": f"{type(e).__name__}: {e}"}


async def main():
    specs, key_json, token_url = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = {}
    for path in sorted(specs.glob("*/connector.yaml")):
        doc = yaml.load(path.read_text(), Loader=loader)
        auth = _parse_auth_from_openapi(parse_openapi_spec(doc))
        schemes = (doc.get("components") or {}).get("securitySchemes") or {}
        out[path.parent.name] = {
            name: await headers_for(
                auth,
                name,
                list(((scheme.get("x-airbyte-auth-config") or {}).get("properties") or {}).keys()),
                key_json,
                f"{token_url}/{path.parent.name}/{name}",
            )
            for name, scheme in schemes.items()
        }
    print(json.dumps(out, sort_keys=True))


asyncio.run(main())
