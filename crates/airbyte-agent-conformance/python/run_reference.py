"""Conformance driver: runs every case through the Python reference LocalExecutor.

Usage: run_reference.py RUN_JSON OUT_JSONL

RUN_JSON holds {"origin": ..., "definitions": {slug: path}, "cases": [...]}
(written by the Rust harness). For each case, in order, the driver selects the
case on the recording server (GET /__conformance/select?case=ID), builds a
fresh LocalExecutor from the rewritten definition with the case's auth fields
and config values, executes the operation, and writes one JSON line:
{"id", "ok", "data", "meta", "error_type", "error_message", "status_code"}.

Only loopback hosts can be resolved while this runs: the reference would
otherwise phone home (telemetry, public-IP lookup) or reach a vendor.
"""

import asyncio
import json
import os
import socket
import sys
import urllib.parse
import urllib.request

os.environ["AIRBYTE_TELEMETRY_MODE"] = "disabled"

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_real_getaddrinfo = socket.getaddrinfo


def _loopback_only(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if name not in _LOOPBACK:
        raise OSError(f"conformance driver: non-loopback host {name!r} blocked")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback_only

from airbyte_agent_sdk.connector_model_loader import load_connector_model  # noqa: E402
from airbyte_agent_sdk.executor.local_executor import LocalExecutor  # noqa: E402
from airbyte_agent_sdk.secrets import SecretStr  # noqa: E402

CASE_TIMEOUT_SECONDS = 30


def _jsonable(value):
    """Result data as plain JSON (models and other objects by their dump or text)."""
    if hasattr(value, "model_dump"):
        return _jsonable(value.model_dump(mode="json"))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _select(origin, case_id):
    query = urllib.parse.urlencode({"case": case_id})
    with urllib.request.urlopen(f"{origin}/__conformance/select?{query}", timeout=10) as resp:
        resp.read()


class _Shared:
    """Models by connector, and one HTTP transport for every executor.

    Creating an httpx client builds a TLS context (~20 ms); sharing the
    transport built by the first executor (the `client` constructor
    argument) keeps thousands of cases fast without changing any request.
    """

    def __init__(self, definitions):
        self.definitions = definitions
        self.models = {}
        self.transport = None


async def _run_case(case, shared):
    slug = case["connector"]
    model = shared.models.get(slug)
    if model is None:
        model = load_connector_model(shared.definitions[slug])
        shared.models[slug] = model
    executor = LocalExecutor(
        model=model,
        auth_config={k: SecretStr(str(v)) for k, v in case["auth"].items()},
        auth_scheme=case.get("auth_scheme"),
        config_values={k: str(v) for k, v in case["config"].items()},
        client=shared.transport,
    )
    if shared.transport is None:
        shared.transport = executor.http_client.client
    try:
        result = await asyncio.wait_for(
            executor.execute(case["entity"], case["action"], params=case["params"]),
            CASE_TIMEOUT_SECONDS,
        )
        if not result.success:
            # Validation failures come back as a result, not an exception;
            # the type is gone, only the message says which one it was.
            return {"ok": False, "error_type": "ExecutionResult.error", "error_message": result.error}
        data = result.data
        if hasattr(data, "__aiter__"):
            chunks = []
            async for chunk in data:
                chunks.append(chunk)
            data = {"bytes_hex": b"".join(chunks).hex()}
        return {"ok": True, "data": _jsonable(data), "meta": _jsonable(result.meta)}
    finally:
        # Not executor.close(): that would close the shared transport.
        executor.logger.close()


async def main(run_path, out_path):
    with open(run_path) as f:
        run = json.load(f)
    origin = run["origin"]
    shared = _Shared(run["definitions"])
    with open(out_path, "w") as out:
        for case in run["cases"]:
            _select(origin, case["id"])
            try:
                record = await _run_case(case, shared)
            except BaseException as e:  # noqa: BLE001 - every failure is a result here
                if isinstance(e, (KeyboardInterrupt, SystemExit)):
                    raise
                record = {
                    "ok": False,
                    "error_type": type(e).__name__,
                    "error_message": str(e)[:2000],
                    "status_code": getattr(e, "status_code", None),
                    "has_response": getattr(e, "response", None) is not None,
                }
            record["id"] = case["id"]
            out.write(json.dumps(record, default=str) + "\n")
            out.flush()
    if shared.transport is not None:
        await shared.transport.aclose()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: run_reference.py RUN_JSON OUT_JSONL")
    asyncio.run(main(sys.argv[1], sys.argv[2]))
