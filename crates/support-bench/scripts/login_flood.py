#!/usr/bin/env python3
"""Login flood (issue 15): starts the program, fires N logins at once (wrong passwords, distinct
usernames so the throttle is not what answers), and prints the answers by status and the
server's peak RSS (VmHWM from /proc/PID/status). A measurement, not a test: nothing is asserted.

    python3 crates/support-bench/scripts/login_flood.py target/release/chatlabs-support-server [N]
"""

import asyncio
import collections
import json
import os
import subprocess
import sys
import tempfile
import time


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


async def login(host, port, i):
    body = json.dumps({"username": f"user{i}", "password": "wrong"}).encode()
    request = (
        f"POST /support/auth/login/ HTTP/1.1\r\nhost: {host}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
        f"connection: close\r\n\r\n"
    ).encode() + body
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request)
        await writer.drain()
        data = await reader.read()
        writer.close()
        return data.split(b" ", 2)[1].decode() if data else "closed"
    except OSError as e:
        return type(e).__name__


async def flood(host, port, n):
    started = time.monotonic()
    answers = await asyncio.gather(*(login(host, port, i) for i in range(n)))
    return collections.Counter(answers), time.monotonic() - started


def main():
    program = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [program, "--bind", "127.0.0.1:0", "--database", f"sqlite://{tmp}/s.db",
             "--manager", "anna:pa55word", "--bot-token", "T", "--no-metrics"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        first = server.stdout.readline()
        addr = first.split("http://")[1].split()[0]
        host, port = addr.rsplit(":", 1)
        idle = status_kib(server.pid, "VmRSS")
        answers, took = asyncio.run(flood(host, int(port), n))
        time.sleep(1)
        peak = status_kib(server.pid, "VmHWM")
        after = status_kib(server.pid, "VmRSS")
        server.terminate()
        server.wait()
    print(f"{n} logins at once against {program}: answers {dict(sorted(answers.items()))} "
          f"in {took:.2f} s; RSS idle {idle / 1024:.0f} MiB, peak (VmHWM) {peak / 1024:.0f} MiB, "
          f"1 s after {after / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
