"""`customers list limit=100` through the Python reference's LocalExecutor.

Usage: reference_calls.py DEFINITION BASE_URL CALLS WARMUP CONCURRENCY

DEFINITION is the Stripe connector definition with its server URL already
pointed at BASE_URL (bench/run rewrites a copy). Prints one JSON line shaped
like `airbyte-bench calls`: wall time, calls/s and CPU time per call of this
process (getrusage), measured after the warm-up calls.
"""

import asyncio
import json
import os
import resource
import socket
import sys
import time

os.environ["AIRBYTE_TELEMETRY_MODE"] = "disabled"

_real_getaddrinfo = socket.getaddrinfo


def _loopback_only(host, *args, **kwargs):
    # The reference would otherwise look up telemetry or public-IP hosts.
    name = host.decode() if isinstance(host, bytes) else host
    if name not in ("127.0.0.1", "localhost", "::1"):
        raise OSError(f"bench: non-loopback host {name!r} blocked")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback_only

from airbyte_agent_sdk.connector_model_loader import load_connector_model  # noqa: E402
from airbyte_agent_sdk.executor.local_executor import LocalExecutor  # noqa: E402
from airbyte_agent_sdk.secrets import SecretStr  # noqa: E402

LIMIT = 100


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def one_call(executor):
    result = await executor.execute("customers", "list", params={"limit": LIMIT})
    if not result.success:
        raise RuntimeError(f"call failed: {result.error}")
    records = len(result.data)
    if records != LIMIT:
        raise RuntimeError(f"expected {LIMIT} records, got {records}")


async def main(definition, calls, warmup, concurrency):
    model = load_connector_model(definition)
    executor = LocalExecutor(model=model, auth_config={"api_key": SecretStr("sk_test_bench")})
    for _ in range(warmup):
        await one_call(executor)
    remaining = [calls]

    async def worker():
        while remaining[0] > 0:
            remaining[0] -= 1
            await one_call(executor)

    cpu0, start = cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu0
    print(json.dumps({
        "kind": "calls",
        "target": "reference",
        "concurrency": concurrency,
        "calls": calls,
        "wall_s": wall,
        "cpu_s": cpu,
        "calls_per_s": calls / wall,
        "cpu_us_per_call": cpu * 1e6 / calls,
    }))


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    _, definition, _base_url, calls, warmup, concurrency = sys.argv
    asyncio.run(main(definition, int(calls), int(warmup), int(concurrency)))
