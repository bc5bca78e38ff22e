#!/usr/bin/env python3
"""A tiny stand-in for the support server, to look at the console in a browser.

Serves the console assets straight from disk (edit, reload) with the same security headers as
the Rust module, and fakes the REST API and the manager websocket with a few tickets in memory.
Standard library only.

    python3 crates/support-server/console/dev/mock_server.py --port 8765 [--auto-login]
    open http://127.0.0.1:8765/support/manager/      (login: anna / secret)

Test hooks (not part of the real API):
    POST /mock/user-message {"ticket": 3, "text": "hi"}   a user writes (broadcast over the socket)
    POST /mock/assign {"ticket": 3, "manager": 2}          another manager takes a ticket
    POST /mock/drop                                       closes every websocket (code 1013)
    GET  /mock/sent                                       frames the console sent over the socket
"""

import argparse
import base64
import datetime as dt
import hashlib
import html
import json
import os
import re
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

HERE = os.path.dirname(os.path.abspath(__file__))
ASSETS = os.path.dirname(HERE)
MOUNT = "/support"
WS_PATH = "/ws/support/manager/"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}

MANAGERS = {
    1: {"id": 1, "username": "anna", "first_name": "Anna", "last_name": "Ivanova", "password": "secret"},
    2: {"id": 2, "username": "boris", "first_name": "Boris", "last_name": "Petrov", "password": "secret"},
}

LOCK = threading.RLock()
SOCKETS = []  # (handler, manager id)
SENT = []  # frames received from consoles
STATE = {"tickets": {}, "messages": {}, "next_ticket": 1, "next_message": 1, "auto_login": False}


def ts(minutes_ago=0.0):
    t = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def manager_obj(mid):
    if mid is None:
        return None
    m = MANAGERS[mid]
    return {"id": m["id"], "first_name": m["first_name"], "last_name": m["last_name"]}


def ticket_json(t):
    msgs = [m for m in STATE["messages"].values() if m["ticket"] == t["id"]]
    msgs.sort(key=lambda m: m["id"])
    unread = sum(1 for m in msgs if m["sender"] == "user" and not m["viewed"])
    updated = max([t["created_at"]] + [m["created_at"] for m in msgs])
    out = {"id": t["id"], "user": {"telegram_id": t["user"]}, "support_manager": manager_obj(t["manager"]),
           "created_at": t["created_at"], "title": t["title"], "resolved": t["resolved"],
           "updated_at": updated, "unread_count": unread}
    if msgs:
        out["last_message"] = msgs[-1]
    return out


def add_ticket(title, user, minutes_ago, manager=None, resolved=False):
    tid = STATE["next_ticket"]
    STATE["next_ticket"] += 1
    STATE["tickets"][tid] = {"id": tid, "user": user, "manager": manager, "created_at": ts(minutes_ago),
                             "title": title, "resolved": resolved}
    return tid


def add_message(tid, sender, text, minutes_ago=0.0, viewed=None):
    mid = STATE["next_message"]
    STATE["next_message"] += 1
    m = {"id": mid, "created_at": ts(minutes_ago), "sender": sender, "text": text,
         "viewed": (sender == "supp") if viewed is None else viewed, "ticket": tid}
    STATE["messages"][mid] = m
    return m


def seed():
    t = add_ticket("<img src=x onerror=alert(1)>", 1001, 95)
    add_message(t, "user", "<script>alert('xss')</script> hello? <b>bold?</b>", 95)
    add_message(t, "user", "Is anyone there?\nSecond line & more", 3)

    t = add_ticket("Не приходит код подтверждения", 1002, 40)
    add_message(t, "user", "Здравствуйте! Уже час жду СМС с кодом, ничего не приходит.", 40)

    t = add_ticket("Payment failed but money was charged — order #A-77812, please check urgently", 1003, 300)
    add_message(t, "user", "Hi, my card was charged twice.", 300, viewed=True)

    t = add_ticket("Cannot log in after update", 1004, 60 * 26, manager=1)
    for i in range(44):
        sender = "user" if i % 3 != 2 else "supp"
        add_message(t, sender, f"Message {i + 1}: " + ("some text " * (1 + i % 5)).strip(), 60 * 26 - i * 20, viewed=True)
    add_message(t, "user", "Still broken. Here is a very long token without spaces: " + "x" * 120, 12, viewed=False)
    add_message(t, "user", "Any news?", 2, viewed=False)

    t = add_ticket("Refund for subscription", 1005, 200, manager=1)
    add_message(t, "user", "I'd like a refund please.", 200, viewed=True)
    add_message(t, "supp", "Sure, processing it now.", 190)

    t = add_ticket("Bot replies in the wrong language", 1006, 500, manager=2)
    add_message(t, "user", "The bot speaks German to me.", 500, viewed=True)

    t = add_ticket("How do I change my email?", 1007, 60 * 24 * 3, manager=1, resolved=True)
    add_message(t, "user", "How do I change my email?", 60 * 24 * 3, viewed=True)
    add_message(t, "supp", "Settings → Account → Email.", 60 * 24 * 3 - 5)

    add_ticket("Спасибо за помощь!", 1008, 60 * 24 * 40, manager=2, resolved=True)


# ---- websocket -------------------------------------------------------------------------------

def ws_frame(text):
    data = text.encode()
    n = len(data)
    if n < 126:
        header = struct.pack("!BB", 0x81, n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x81, 126, n)
    else:
        header = struct.pack("!BBQ", 0x81, 127, n)
    return header + data


def ws_send(handler, event):
    try:
        with handler.send_lock:
            handler.wfile.write(ws_frame(json.dumps(event, ensure_ascii=False)))
            handler.wfile.flush()
    except OSError:
        pass


def ws_close(handler, code):
    if getattr(handler, "closed", False):
        return
    handler.closed = True
    try:
        with handler.send_lock:
            handler.wfile.write(struct.pack("!BBH", 0x88, 2, code))
            handler.wfile.flush()
        handler.connection.shutdown(2)
    except OSError:
        pass


def visible_to(t, mid):
    return t["manager"] is None or t["manager"] == mid


def broadcast(event, ticket=None):
    with LOCK:
        targets = list(SOCKETS)
    for handler, mid in targets:
        if ticket is None or visible_to(ticket, mid):
            ws_send(handler, event)


def handle_ws_event(handler, mid, raw):
    with LOCK:
        SENT.append(raw)
    try:
        e = json.loads(raw)
    except ValueError:
        return ws_send(handler, {"type": "error", "code": "invalid_json", "detail": "bad json", "request": None})
    kind = e.get("type")
    with LOCK:
        if kind == "ticket.assign":
            t = STATE["tickets"].get(e.get("id") or e.get("ticket_id"))
            if not t:
                return ws_send(handler, {"type": "error", "code": "not_found", "detail": "No Ticket matches the given query.", "request": kind})
            if t["manager"] not in (None, mid) and not e.get("force"):
                return ws_send(handler, {"type": "error", "code": "already_assigned", "detail": "The ticket has another manager.", "request": kind})
            t["manager"] = mid
            event = {"type": "ticket.assigned", "id": t["id"], "support_manager": mid}
            broadcast(event)
        elif kind == "ticket.message.new":
            t = STATE["tickets"].get(e.get("ticket_id"))
            text = str(e.get("text", "")).strip()
            if not t:
                return ws_send(handler, {"type": "error", "code": "not_found", "detail": "No Ticket matches the given query.", "request": kind})
            if not text or len(text) > 4096:
                return ws_send(handler, {"type": "error", "code": "invalid_field", "detail": "text: This field may not be blank.", "request": kind})
            m = add_message(t["id"], "supp", text)
            broadcast({"type": "ticket.message.new", "message": m}, t)
        elif kind == "ticket.message.viewed":
            m = STATE["messages"].get(e.get("message_id"))
            if not m or m["ticket"] != e.get("ticket_id"):
                return ws_send(handler, {"type": "error", "code": "not_found", "detail": "No Message matches the given query.", "request": kind})
            m["viewed"] = True
            broadcast({"type": "ticket.message.viewed", "message": m}, STATE["tickets"][m["ticket"]])
        elif kind == "ticket.message.list":
            tid = e.get("ticket_id")
            msgs = sorted((m for m in STATE["messages"].values() if m["ticket"] == tid), key=lambda m: -m["id"])
            ws_send(handler, {"type": "ticket.message.list", "ticket_id": tid, "messages": msgs})
        else:
            ws_send(handler, {"type": "error", "code": "unknown_type", "detail": "Unknown type.", "request": kind})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quieter
        if os.environ.get("MOCK_VERBOSE"):
            super().log_message(fmt, *args)

    # -- helpers --
    def manager_id(self):
        if STATE["auto_login"]:
            return 1
        cookie = self.headers.get("Cookie", "")
        m = re.search(r"mock_session=(\d+)", cookie)
        return int(m.group(1)) if m and int(m.group(1)) in MANAGERS else None

    def send_body(self, status, body, ctype="application/json", extra=None):
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "same-origin")
        self.send_header("Cache-Control", "no-cache")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def read_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return None

    # -- routes --
    def do_GET(self):
        url = urlparse(self.path)
        path, q = url.path, {k: v[-1] for k, v in parse_qs(url.query).items()}
        if path == WS_PATH:
            return self.websocket()
        if path == f"{MOUNT}/manager/":
            with open(os.path.join(ASSETS, "index.html"), encoding="utf-8") as f:
                page = f.read()
            cfg = json.dumps({"mount": MOUNT, "ws": WS_PATH}, separators=(",", ":"))
            page = page.replace("{{config}}", html.escape(cfg, quote=True))
            page = re.sub(r"\{\{asset:([\w.]+)\}\}", lambda m: f"{MOUNT}/manager/assets/{m.group(1)}?v=dev", page)
            return self.send_body(200, page.encode(), "text/html; charset=utf-8")
        if path.startswith(f"{MOUNT}/manager/assets/"):
            name = path.rsplit("/", 1)[1]
            full = os.path.join(ASSETS, name)
            if "/" in name or not os.path.isfile(full) or os.path.splitext(name)[1] not in TYPES:
                return self.send_body(404, {"detail": "Not found."})
            with open(full, "rb") as f:
                return self.send_body(200, f.read(), TYPES[os.path.splitext(name)[1]])
        if path == "/mock/sent":
            with LOCK:
                return self.send_body(200, list(SENT))
        mid = self.manager_id()
        if path == f"{MOUNT}/auth/me/":
            if mid is None:
                return self.send_body(401, {"detail": "Authentication credentials were not provided."})
            m = MANAGERS[mid]
            return self.send_body(200, {k: m[k] for k in ("id", "username", "first_name", "last_name")})
        if mid is None and path.startswith(f"{MOUNT}/tickets"):
            return self.send_body(401, {"detail": "Authentication credentials were not provided."})
        with LOCK:
            if path == f"{MOUNT}/tickets/":
                items = [ticket_json(t) for t in STATE["tickets"].values()]
                if "resolved" in q:
                    items = [t for t in items if t["resolved"] == (q["resolved"] == "true")]
                if "manager" in q:
                    items = [t for t in items if t["support_manager"] and t["support_manager"]["id"] == int(q["manager"])]
                if q.get("manager__isnull") == "true":
                    items = [t for t in items if t["support_manager"] is None]
                items.sort(key=lambda t: (t["created_at"], t["id"]), reverse=True)
                return self.send_body(200, self.page(items, q, path))
            m = re.fullmatch(rf"{MOUNT}/tickets/(\d+)/", path)
            if m:
                t = STATE["tickets"].get(int(m.group(1)))
                if not t:
                    return self.send_body(404, {"detail": "No Ticket matches the given query."})
                return self.send_body(200, ticket_json(t))
            m = re.fullmatch(rf"{MOUNT}/tickets/(\d+)/messages/", path)
            if m:
                tid = int(m.group(1))
                if tid not in STATE["tickets"]:
                    return self.send_body(404, {"detail": "No Ticket matches the given query."})
                msgs = sorted((x for x in STATE["messages"].values() if x["ticket"] == tid), key=lambda x: -x["id"])
                return self.send_body(200, self.page(msgs, q, path))
        return self.send_body(404, {"detail": "Not found."})

    do_HEAD = do_GET

    def page(self, items, q, path):
        if "limit" not in q:
            return items
        limit, offset = int(q["limit"]), int(q.get("offset", 0))
        host = f"http://{self.headers.get('Host')}"
        nxt = f"{host}{path}?limit={limit}&offset={offset + limit}" if offset + limit < len(items) else None
        prev = f"{host}{path}?limit={limit}&offset={max(0, offset - limit)}" if offset > 0 else None
        return {"count": len(items), "next": nxt, "previous": prev, "results": items[offset:offset + limit]}

    def do_POST(self):
        path = urlparse(self.path).path
        body = self.read_json()
        if body is None:
            return self.send_body(400, {"detail": "JSON parse error"})
        if path == "/mock/user-message":
            with LOCK:
                t = STATE["tickets"][int(body["ticket"])]
                m = add_message(t["id"], "user", body.get("text", "hello"))
            broadcast({"type": "ticket.message.new", "message": m}, t)
            return self.send_body(201, m)
        if path == "/mock/assign":
            with LOCK:
                t = STATE["tickets"][int(body["ticket"])]
                t["manager"] = int(body["manager"])
            broadcast({"type": "ticket.assigned", "id": t["id"], "support_manager": t["manager"]})
            return self.send_body(200, ticket_json(t))
        if path == "/mock/create":
            with LOCK:
                tid = add_ticket(body.get("title", "New ticket"), int(body.get("user", 2001)), 0)
                if body.get("text"):
                    add_message(tid, "user", body["text"])
                t = ticket_json(STATE["tickets"][tid])
            broadcast({"type": "ticket.created", "ticket": t})
            return self.send_body(201, t)
        if path == "/mock/drop":
            with LOCK:
                targets = list(SOCKETS)
            for handler, _ in targets:
                ws_close(handler, 1013)
            return self.send_body(200, {"dropped": len(targets)})
        if path == f"{MOUNT}/auth/login/":
            for m in MANAGERS.values():
                if m["username"] == body.get("username") and m["password"] == body.get("password"):
                    return self.send_body(200, {k: m[k] for k in ("id", "username", "first_name", "last_name")},
                                          extra={"Set-Cookie": f"mock_session={m['id']}; Path=/; HttpOnly; SameSite=Lax"})
            return self.send_body(400, {"non_field_errors": ["Unable to log in with provided credentials."]})
        if path == f"{MOUNT}/auth/logout/":
            self.send_response(204)
            self.send_header("Set-Cookie", "mock_session=; Path=/; Max-Age=0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        mid = self.manager_id()
        if mid is None:
            return self.send_body(401, {"detail": "Authentication credentials were not provided."})
        m = re.fullmatch(rf"{MOUNT}/tickets/(\d+)/messages/", path)
        if m:
            with LOCK:
                t = STATE["tickets"].get(int(m.group(1)))
                if not t:
                    return self.send_body(404, {"detail": "No Ticket matches the given query."})
                text = str(body.get("text", "")).strip()
                if not text:
                    return self.send_body(400, {"text": ["This field may not be blank."]})
                msg = add_message(t["id"], "supp", text)
            broadcast({"type": "ticket.message.new", "message": msg}, t)
            return self.send_body(201, msg)
        return self.send_body(404, {"detail": "Not found."})

    def do_PATCH(self):
        path = urlparse(self.path).path
        body = self.read_json() or {}
        if self.manager_id() is None:
            return self.send_body(401, {"detail": "Authentication credentials were not provided."})
        m = re.fullmatch(rf"{MOUNT}/tickets/(\d+)/", path)
        if not m:
            return self.send_body(404, {"detail": "Not found."})
        with LOCK:
            t = STATE["tickets"].get(int(m.group(1)))
            if not t:
                return self.send_body(404, {"detail": "No Ticket matches the given query."})
            if "resolved" in body:
                t["resolved"] = bool(body["resolved"])
            out = ticket_json(t)
        broadcast({"type": "ticket.updated", "ticket": out}, None)
        return self.send_body(200, out)

    def websocket(self):
        mid = self.manager_id()
        if mid is None or STATE.get("no_ws") or self.headers.get("Upgrade", "").lower() != "websocket":
            return self.send_body(401, {"detail": "Authentication credentials were not provided."})
        key = self.headers["Sec-WebSocket-Key"]
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.send_lock = threading.Lock()
        with LOCK:
            SOCKETS.append((self, mid))
        try:
            while True:
                head = self.rfile.read(2)
                if len(head) < 2:
                    break
                opcode, n = head[0] & 0x0F, head[1] & 0x7F
                if n == 126:
                    n = struct.unpack("!H", self.rfile.read(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", self.rfile.read(8))[0]
                mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(n)))
                if opcode == 8:
                    ws_close(self, 1000)
                    break
                if opcode == 9:
                    with self.send_lock:
                        self.wfile.write(bytes([0x8A, len(data)]) + data)
                    continue
                if opcode == 1:
                    handle_ws_event(self, mid, data.decode("utf-8", "replace"))
        except OSError:
            pass
        finally:
            with LOCK:
                SOCKETS[:] = [s for s in SOCKETS if s[0] is not self]
            self.close_connection = True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--auto-login", action="store_true", help="every request is manager 1 (anna)")
    parser.add_argument("--no-ws", action="store_true", help="refuse the websocket (to see the offline state)")
    args = parser.parse_args()
    STATE["auto_login"] = args.auto_login
    STATE["no_ws"] = args.no_ws
    seed()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"console: http://127.0.0.1:{args.port}{MOUNT}/manager/  (anna / secret)", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
