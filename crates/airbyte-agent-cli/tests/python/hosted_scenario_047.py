"""Drive the Python reference SDK 0.1.47 through a hosted-mode scenario.

Used by `tests/wire_conformance_047.rs`: the Rust test writes the scenario (a
JSON list of steps) to a file, runs this script with the reference venv's
interpreter and `SDK_DEV_ADP_API_HOST` pointing at its recording server, then
runs the same steps through the `airbyte-agent` CLI and compares what reached
the server.

Every step runs with fresh reference objects (a new Workspace / executor /
cloud client), like one CLI invocation is one fresh process: both sides then
fetch one token per step and resolve the workspace id once per step.

Usage: python hosted_scenario_047.py SCENARIO.json RESULTS.json

Each step is an object:
  {"op": "<operation>", "env": {VAR: value, ...}, "auth": {...}, "args": {...}}
`env` replaces the AIRBYTE_* variables for the step (credentials may come from
there instead of `auth`); `auth` holds keyword arguments client_id,
client_secret, workspace_name, organization_id (absent = not passed).

Before each step the driver POSTs to $SCENARIO_MARKER_URL<index> (when set)
so the test can split the server's log by step.

The results file gets one entry per step: {"ok": true, "value": ...} or
{"ok": false, "error": "<ExceptionType>: <message>"}.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
import urllib.request
from typing import Any

import airbyte_agent_sdk as sdk
from airbyte_agent_sdk import registry
from airbyte_agent_sdk.cloud_utils import AirbyteCloudClient
from airbyte_agent_sdk.config import resolve_credentials
from airbyte_agent_sdk.connector_model_loader import load_connector_model

# Variables a step may set; all others stay as the test runner set them.
STEP_ENV_VARS = (
    "AIRBYTE_CLIENT_ID",
    "AIRBYTE_CLIENT_SECRET",
    "AIRBYTE_ORGANIZATION_ID",
)


def to_jsonable(value: Any) -> Any:
    """Reference results (dataclasses, pydantic models) as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if hasattr(value, "model_dump"):
        return to_jsonable(value.model_dump())
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def definition_id(slug: str) -> str:
    """The connector definition id the reference's bundled spec declares."""
    return str(load_connector_model(str(registry.get_spec_path(slug))).id)


def workspace(auth: dict[str, Any]) -> sdk.Workspace:
    return sdk.Workspace(**auth)


def cloud_client(auth: dict[str, Any]) -> tuple[AirbyteCloudClient, str]:
    """A cloud client resolved exactly as Workspace resolves its credentials."""
    cid, secret, org, ws = resolve_credentials(**auth)
    return AirbyteCloudClient(client_id=cid, client_secret=secret, organization_id=org), ws


async def op_execute(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    params = args.get("params")
    if args.get("connector"):
        # Public entry point: connect(name, ...) returns a typed connector (or a
        # HostedExecutor) that looks the connector up when no id is given.
        conn = sdk.connect(args["connector"], connector_id=args.get("connector_id"), **auth)
        try:
            return await conn.execute(args["entity"], args["action"], params)
        finally:
            await conn.close()
    ws = workspace(auth)
    try:
        executor = await ws.get_connector(connector_id=args["connector_id"])
        try:
            result = await executor.execute(args["entity"], args["action"], params=params)
            return {"data": result.data, "meta": result.meta}
        finally:
            await executor.close()
    finally:
        await ws.close()


async def op_execute_config(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    # The ExecutionConfig form of HostedExecutor.execute.
    from airbyte_agent_sdk import ExecutionConfig

    ws = workspace(auth)
    try:
        executor = await ws.get_connector(connector_id=args["connector_id"])
        try:
            config = ExecutionConfig(entity=args["entity"], action=args["action"], params=args.get("params"))
            result = await executor.execute(config)
            return {"data": result.data, "meta": result.meta}
        finally:
            await executor.close()
    finally:
        await ws.close()


def typed_connector_class(slug: str) -> Any:
    cls = registry._get_connector_class(slug)
    if cls is None:
        raise ValueError(f"no typed connector for {slug}")
    return cls


def airbyte_auth_config(auth: dict[str, Any]) -> Any:
    """The typed connectors' AirbyteAuthConfig for the step's explicit settings."""
    from airbyte_agent_sdk import AirbyteAuthConfig

    return AirbyteAuthConfig(
        airbyte_client_id=auth.get("client_id"),
        airbyte_client_secret=auth.get("client_secret"),
        workspace_name=auth.get("workspace_name") or "default",
        organization_id=auth.get("organization_id"),
    )


async def op_check(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    if args.get("connector"):
        conn = sdk.connect(args["connector"], connector_id=args.get("connector_id"), **auth)
        try:
            return await conn.check()
        finally:
            await conn.close()
    ws = workspace(auth)
    try:
        executor = await ws.get_connector(connector_id=args["connector_id"])
        try:
            return await executor.check()
        finally:
            await executor.close()
    finally:
        await ws.close()


async def op_list_connectors(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    async with workspace(auth) as ws:
        return await ws.list_connectors()


async def op_get_connector(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    # Reference bug: Workspace.get_connector(name=...) calls
    # get_connector_id(customer_name=...), a keyword the client does not
    # accept (TypeError). Do what it intends: the lookup by workspace name and
    # the definition id of the bundled spec.
    client, ws = cloud_client(auth)
    try:
        connector_id = await client.get_connector_id(
            workspace_name=ws, connector_definition_id=definition_id(args["name"])
        )
        return {"id": connector_id}
    finally:
        await client.close()


async def op_create_connector(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    # Reference bug: Workspace.create_connector passes customer_name= to
    # create_source, which only accepts workspace_name= (TypeError). Call
    # create_source with the arguments it meant to pass, including its default
    # name "connector-<workspace>" and the server-side OAuth secret that the
    # typed connectors' create() forwards.
    client, ws = cloud_client(auth)
    definition = args.get("definition_id") or definition_id(args["connector"])
    try:
        connector_id = await client.create_source(
            name=args.get("name") or f"connector-{ws}",
            connector_definition_id=definition,
            workspace_name=ws,
            credentials=args.get("credentials"),
            replication_config=args.get("replication_config"),
            server_side_oauth_secret_id=args.get("server_side_oauth_secret_id"),
            source_template_id=args.get("source_template_id"),
        )
        return {"id": connector_id}
    finally:
        await client.close()


async def op_delete_connector(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    async with workspace(auth) as ws:
        await ws.delete_connector(args["connector_id"])
        return None


async def op_oauth_initiate(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    # The typed connectors' get_consent_url() wraps this client call; the
    # client call is the one that exists for every connector.
    client, ws = cloud_client(auth)
    definition = args.get("definition_id") or definition_id(args["connector"])
    try:
        url = await client.initiate_oauth(
            definition_id=definition,
            workspace_name=ws,
            redirect_url=args["redirect_url"],
            name=args.get("name"),
            replication_config=args.get("replication_config"),
            source_template_id=args.get("source_template_id"),
            environment=args.get("environment"),
        )
        return {"consent_url": url}
    finally:
        await client.close()


async def op_oauth_set_credentials(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    client, _ = cloud_client(auth)
    try:
        await client.configure_oauth_app_parameters(
            connector_type=args["connector_type"], credentials=args["credentials"]
        )
        return None
    finally:
        await client.close()


async def op_oauth_initiate_typed(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    cls = typed_connector_class(args["connector"])
    url = await cls.get_consent_url(
        airbyte_config=airbyte_auth_config(auth),
        redirect_url=args["redirect_url"],
        name=args.get("name"),
    )
    return {"consent_url": url}


async def op_oauth_set_credentials_typed(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    cls = typed_connector_class(args["connector"])
    module = sys.modules[cls.__module__]
    # The typed credentials model of this connector (e.g. HubspotOAuthCredentials).
    model = next(
        getattr(module, n)
        for n in dir(module)
        if n.endswith("OAuthCredentials") and hasattr(getattr(module, n), "model_validate")
    )
    await cls.configure_oauth_app_parameters(
        airbyte_config=airbyte_auth_config(auth), credentials=model.model_validate(args["credentials"])
    )
    return None


async def op_oauth_delete_credentials(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    client, _ = cloud_client(auth)
    try:
        await client.configure_oauth_app_parameters(connector_type=args["connector_type"], credentials=None)
        return None
    finally:
        await client.close()


async def op_workflows_list(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    async with workspace(auth) as ws:
        return await ws.list_workflows()


async def op_workflows_create(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    async with workspace(auth) as ws:
        return await ws.create_workflow(args["name"], tasks=args.get("tasks"))


async def op_workflows_get(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    async with workspace(auth) as ws:
        return await ws.get_workflow(args["workflow_id"])


async def op_workflows_update(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    async with workspace(auth) as ws:
        return await ws.update_workflow(args["workflow_id"], name=args.get("name"))


async def op_workflows_delete(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    async with workspace(auth) as ws:
        await ws.delete_workflow(args["workflow_id"])
        return None


AUTOMATION_FIELDS = ("enabled", "trigger_type", "cron_expression", "timezone", "completion_webhook_url")


def automation_kwargs(args: dict[str, Any]) -> dict[str, Any]:
    return {k: args[k] for k in AUTOMATION_FIELDS if k in args}


async def op_automations_list(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    async with workspace(auth) as ws:
        return await ws.list_automations(args["workflow_id"])


async def op_automations_create(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    async with workspace(auth) as ws:
        return await ws.create_automation(args["workflow_id"], **automation_kwargs(args))


async def op_automations_get(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    async with workspace(auth) as ws:
        return await ws.get_automation(args["workflow_id"], args["automation_id"])


async def op_automations_update(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    async with workspace(auth) as ws:
        return await ws.update_automation(args["workflow_id"], args["automation_id"], **automation_kwargs(args))


async def op_automations_delete(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    async with workspace(auth) as ws:
        await ws.delete_automation(args["workflow_id"], args["automation_id"])
        return None


async def op_ask(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    return await sdk.ask(args["prompt"], **auth)


async def op_workspace_ask(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    async with workspace(auth) as ws:
        return await ws.ask(args["prompt"])


async def op_ask_sync_in_loop(auth: dict[str, Any], args: dict[str, Any]) -> Any:
    # ask_sync called while an event loop is running (the notebook case): the
    # reference hands the coroutine to a worker thread.
    return sdk.ask_sync(args["prompt"], **auth)


ASYNC_OPS = {
    "execute": op_execute,
    "execute_config": op_execute_config,
    "check": op_check,
    "list_connectors": op_list_connectors,
    "get_connector": op_get_connector,
    "create_connector": op_create_connector,
    "delete_connector": op_delete_connector,
    "oauth_initiate": op_oauth_initiate,
    "oauth_set_credentials": op_oauth_set_credentials,
    "oauth_delete_credentials": op_oauth_delete_credentials,
    "oauth_initiate_typed": op_oauth_initiate_typed,
    "oauth_set_credentials_typed": op_oauth_set_credentials_typed,
    "workflows_list": op_workflows_list,
    "workflows_create": op_workflows_create,
    "workflows_get": op_workflows_get,
    "workflows_update": op_workflows_update,
    "workflows_delete": op_workflows_delete,
    "automations_list": op_automations_list,
    "automations_create": op_automations_create,
    "automations_get": op_automations_get,
    "automations_update": op_automations_update,
    "automations_delete": op_automations_delete,
    "ask": op_ask,
    "workspace_ask": op_workspace_ask,
    "ask_sync_in_loop": op_ask_sync_in_loop,
}


def mark_step(index: int) -> None:
    """Tell the recording server a new step starts, so its log can be split."""
    base = os.environ.get("SCENARIO_MARKER_URL")
    if base:
        urllib.request.urlopen(urllib.request.Request(f"{base}{index}", method="POST"), timeout=30).close()


def run_step(step: dict[str, Any]) -> dict[str, Any]:
    mark_step(step["index"])
    for var in STEP_ENV_VARS:
        os.environ.pop(var, None)
    for var, value in (step.get("env") or {}).items():
        os.environ[var] = value
    auth = {k: v for k, v in (step.get("auth") or {}).items() if v is not None}
    args = step.get("args") or {}
    op = step["op"]
    try:
        if op == "ask_sync":
            # Plain blocking call from a thread with no running loop.
            value = sdk.ask_sync(args["prompt"], **auth)
        else:
            value = asyncio.run(ASYNC_OPS[op](auth, args))
        return {"ok": True, "value": to_jsonable(value)}
    except Exception as exc:  # the result records the failure; the test decides
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def main() -> int:
    scenario_path, results_path = sys.argv[1], sys.argv[2]
    with open(scenario_path, encoding="utf-8") as f:
        steps = json.load(f)
    results = [run_step(step) for step in steps]
    with open(results_path, "w", encoding="utf-8") as f:
        json.dump(results, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
