"""Drive the unmodified Python reference SDK 0.1.47 against our server.

Used by `tests/python_reference.rs`, which starts the server on 127.0.0.1,
creates an application and runs this script with the reference venv's
interpreter and:

  SDK_DEV_ADP_API_HOST   the server's URL (the reference's base-URL override)
  AIRBYTE_CLIENT_ID / AIRBYTE_CLIENT_SECRET   the application's credentials
  STRIPE_DEFINITION_ID   the definition id the server's test connector uses
  VENDOR_KEY             the vendor credential to create the connector with

It walks the reference's whole hosted surface and prints one JSON object:
each step's result, or the first exception (type and message) under "error".
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
from typing import Any

from airbyte_agent_sdk import Workspace, connect
from airbyte_agent_sdk.cloud_utils import AirbyteCloudClient

WS = "py-workspace"


def plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if hasattr(value, "model_dump"):
        return plain(value.model_dump())
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


async def scenario(out: dict[str, Any]) -> None:
    client_id = os.environ["AIRBYTE_CLIENT_ID"]
    client_secret = os.environ["AIRBYTE_CLIENT_SECRET"]

    # Connector creation through the reference's cloud client (its
    # Workspace.create_connector cannot send in 0.1.47).
    cloud = AirbyteCloudClient(client_id=client_id, client_secret=client_secret)
    try:
        out["created_id"] = await cloud.create_source(
            name="py-stripe",
            connector_definition_id=os.environ["STRIPE_DEFINITION_ID"],
            workspace_name=WS,
            credentials={"api_key": os.environ["VENDOR_KEY"]},
        )
    finally:
        await cloud.close()

    # connect + execute: the typed Stripe connector over hosted mode.
    stripe = connect("stripe", workspace_name=WS)
    try:
        page = await stripe.execute("customers", "list", {"limit": 2})
        out["connect_execute"] = plain(page)
    finally:
        await stripe.close()

    async with Workspace(workspace_name=WS) as ws:
        out["list_connectors"] = plain(await ws.list_connectors())
        executor = await ws.get_connector(connector_id=out["created_id"])
        try:
            got = await executor.execute("customers", "get", params={"id": "cus_4"})
            out["get_connector_execute"] = {"success": got.success, "data": got.data, "meta": got.meta}
        finally:
            await executor.close()

        wf = await ws.create_workflow(
            "py-workflow",
            tasks=[{"type": "execute", "connector": "py-stripe", "entity": "customers",
                    "action": "list", "params": {"limit": 1}}],
        )
        out["create_workflow"] = plain(wf)
        out["list_workflows"] = plain(await ws.list_workflows())
        out["get_workflow"] = plain(await ws.get_workflow(wf.id))
        out["update_workflow"] = plain(await ws.update_workflow(wf.id, name="py-workflow-renamed"))

        au = await ws.create_automation(
            wf.id, cron_expression="15 6 * * 1-5", timezone="America/New_York",
            completion_webhook_url="http://127.0.0.1:9/done",
        )
        out["create_automation"] = plain(au)
        out["list_automations"] = plain(await ws.list_automations(wf.id))
        out["get_automation"] = plain(await ws.get_automation(wf.id, au.id))
        out["update_automation"] = plain(await ws.update_automation(wf.id, au.id, enabled=False))
        await ws.delete_automation(wf.id, au.id)
        out["automations_after_delete"] = plain(await ws.list_automations(wf.id))
        await ws.delete_workflow(wf.id)
        out["workflows_after_delete"] = plain(await ws.list_workflows())

        out["ask"] = plain(await ws.ask("who are my newest customers?"))

        await ws.delete_connector(out["created_id"])
        out["connectors_after_delete"] = plain(await ws.list_connectors())


def main() -> None:
    out: dict[str, Any] = {}
    try:
        asyncio.run(scenario(out))
    except Exception as e:  # reported to the Rust test, which fails on it
        out["error"] = f"{type(e).__name__}: {e}"
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
