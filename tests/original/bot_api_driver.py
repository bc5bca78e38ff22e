"""Runs chatlabs-aiogram-support 0.2.0's REST client (`support.dialogs.api`, unmodified from
PyPI) one call at a time, for our test suite.

Reads one JSON command per line on stdin, `{"call": "Ticket.api_create", "args": {...}}`, makes
that call and writes one JSON line on stdout: `{"ok": true, "value": ...}` with the pydantic
model(s) the client returned (`null` where it returned None), or `{"ok": false, "error": "..."}`
when the client raised (a pydantic ValidationError on an answer it cannot read, say). The
server is the one the client's own settings name: BACKEND_SCHEMA, BACKEND_HOST, BACKEND_PORT,
BACKEND_SUPPORT_PATH, read when `support.settings` is imported.
"""

import asyncio
import json
import sys

from support.dialogs import api


def dump(value):
    if value is None:
        return None
    if isinstance(value, list):
        return [dump(v) for v in value]
    return value.model_dump(mode="json")


async def run(command):
    owner, method = command["call"].split(".")
    call = getattr(getattr(api, owner), method)
    return dump(await call(**command.get("args", {})))


async def main():
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        try:
            reply = {"ok": True, "value": await run(json.loads(line))}
        except Exception as error:  # reported to the test, which decides
            reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        print(json.dumps(reply), flush=True)


asyncio.run(main())
