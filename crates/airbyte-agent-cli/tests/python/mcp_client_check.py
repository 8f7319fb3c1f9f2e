"""Drives our MCP server with the official MCP Python SDK (`mcp`) and prints
what it saw as one JSON document; the Rust test makes the assertions.

Usage: mcp_client_check.py MODE stdio COMMAND [ARGS...]
       mcp_client_check.py MODE http URL
MODE is the client's connect mode: "auto" (discover, falling back to the
initialize handshake) or "legacy" (initialize handshake only).
"""

import asyncio
import json
import sys

from mcp import Client, StdioServerParameters


def result_json(result):
    texts = [c.text for c in result.content if getattr(c, "type", None) == "text"]
    return {"is_error": bool(result.is_error), "text": "\n".join(texts)}


async def run(mode, transport, target):
    if transport == "stdio":
        server = StdioServerParameters(command=target[0], args=target[1:])
    else:
        server = target[0]
    report = {}
    async with Client(server, mode=mode) as client:
        report["protocol_version"] = client.protocol_version
        info = client.server_info
        report["server_name"] = info.name if info else None
        report["instructions"] = client.instructions
        tools = await client.list_tools()
        report["tools"] = [
            {"name": t.name, "input_schema": t.input_schema} for t in tools.tools
        ]
        execute = next(t.name for t in tools.tools if t.name.endswith("_execute"))
        report["describe"] = result_json(
            await client.call_tool(
                "describe_entity", {"connector": "demo-crm", "entity": "customers"}
            )
        )
        report["execute"] = result_json(
            await client.call_tool(
                execute,
                {
                    "entity": "customers",
                    "action": "list",
                    "params": {"limit": 2},
                    "select_fields": ["id", "name"],
                },
            )
        )
        report["bad_param"] = result_json(
            await client.call_tool(
                execute,
                {"entity": "customers", "action": "list", "params": {"status": "lost"}},
            )
        )
        report["missing_param"] = result_json(
            await client.call_tool(
                "validate_operation",
                {"connector": "demo-crm", "entity": "customers", "action": "get"},
            )
        )
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2], sys.argv[3:]))
