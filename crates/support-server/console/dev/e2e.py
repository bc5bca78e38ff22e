#!/usr/bin/env python3
"""Drives the console in headless Chromium (raw W3C WebDriver over chromedriver, stdlib only)
against mock_server.py, keyboard first. Starts both itself; exits non-zero on the first failure.

    python3 crates/support-server/console/dev/e2e.py
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PORT = 8799
DRIVER_PORT = 9515
BASE = f"http://127.0.0.1:{PORT}"
PAGE = f"{BASE}/support/manager/"
KEYS = {"enter": "\ue007", "tab": "\ue004", "shift": "\ue008", "escape": "\ue00c", "down": "\ue015", "right": "\ue014"}


def http(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return json.loads(e.read() or b"null")


class Browser:
    def __init__(self, width, height):
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tempfile.mkdtemp()}", f"--window-size={width},{height}", "--lang=en-US"]},
        }}}
        r = http("POST", f"http://127.0.0.1:{DRIVER_PORT}/session", caps)
        self.sid = r["value"]["sessionId"]
        self.url = f"http://127.0.0.1:{DRIVER_PORT}/session/{self.sid}"

    def cmd(self, method, path, body=None):
        r = http(method, self.url + path, body if body is not None else ({} if method == "POST" else None))
        v = r.get("value") if isinstance(r, dict) else None
        if isinstance(v, dict) and v.get("error"):
            raise RuntimeError(f"{path}: {v['error']}: {v.get('message', '')[:300]}")
        return v

    def go(self, url):
        self.cmd("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def keys(self, *seq):
        """Types into the focused element. Strings are typed; ('shift', 'enter') chords."""
        actions = []
        for item in seq:
            if isinstance(item, tuple):
                mods, key = item[:-1], item[-1]
                for m in mods:
                    actions.append({"type": "keyDown", "value": KEYS[m]})
                k = KEYS.get(key, key)
                actions += [{"type": "keyDown", "value": k}, {"type": "keyUp", "value": k}]
                for m in reversed(mods):
                    actions.append({"type": "keyUp", "value": KEYS[m]})
            else:
                for ch in (KEYS[item] if item in KEYS else item):
                    actions += [{"type": "keyDown", "value": ch}, {"type": "keyUp", "value": ch}]
        self.cmd("POST", "/actions", {"actions": [{"type": "key", "id": "kbd", "actions": actions}]})
        self.cmd("DELETE", "/actions")

    def wait(self, script, what, timeout=8.0, *args):
        end = time.time() + timeout
        last = None
        while time.time() < end:
            last = self.js(script, *args)
            if last:
                return last
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what} (last: {last!r})")

    def no_alert(self):
        r = http("GET", self.url + "/alert/text")
        assert r["value"].get("error") == "no such alert", f"an alert is open: {r}"

    def logs(self):
        return http("POST", self.url + "/se/log", {"type": "browser"}).get("value", [])

    def quit(self):
        http("DELETE", self.url)


def focused(b):
    return b.js("const a = document.activeElement; return a ? (a.id || a.className || a.tagName) : null;")


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)
    print(f"ok - {msg}")


def sent():
    return [json.loads(x) for x in http("GET", f"{BASE}/mock/sent")]


def main():
    mock = subprocess.Popen([sys.executable, os.path.join(HERE, "mock_server.py"), "--port", str(PORT)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver = subprocess.Popen(["chromedriver", f"--port={DRIVER_PORT}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    b = None
    try:
        b = Browser(1280, 800)
        b.go(PAGE)
        # ---- login, keyboard only ----
        b.wait("return document.activeElement && document.activeElement.id === 'login-username'", "focus in username")
        check(True, "login form focuses the username field")
        b.keys("anna", "tab", "wrong", "enter")
        b.wait("return !document.getElementById('login-error').hidden", "login error")
        check("Wrong username" in b.js("return document.getElementById('login-error').textContent"), "bad password shows an error")
        b.keys(("shift", "tab"), "tab")  # back into the password field (it was re-focused already)
        b.js("document.getElementById('login-password').focus(); document.getElementById('login-password').select()")
        b.keys("secret", "enter")
        b.wait("return document.querySelectorAll('#ticket-list .ticket-item').length >= 3", "ticket list")
        check(True, "signed in; the unassigned list shows tickets")
        b.wait("return document.getElementById('conn').dataset.state === 'open'", "socket open")
        check(True, "connection indicator says live")
        # ---- escaping ----
        titles = b.js("return [...document.querySelectorAll('.ti-title')].map(e => e.textContent)")
        check("<img src=x onerror=alert(1)>" in titles, "the XSS title is shown as text")
        check(b.js("return document.querySelectorAll('#ticket-list img, #ticket-list script').length") == 0, "no markup from data")
        b.no_alert()
        # ---- newest activity first, unread badges ----
        first = b.js("return document.querySelector('.ticket-item .ti-title').textContent")
        check(first == "<img src=x onerror=alert(1)>", "the ticket with the newest message comes first")
        check(b.js("return document.querySelector('#tab-unassigned .tab-count').textContent") == "3", "tab shows 3 unread")
        # ---- open the ticket with the keyboard ----
        b.js("document.querySelector('.ticket-item').focus()")
        b.keys("enter")
        b.wait("return document.getElementById('chat-title').textContent === '<img src=x onerror=alert(1)>'", "chat open")
        check(b.js("return location.hash") == "#/ticket/1", "the chat is addressable (#/ticket/1)")
        check(b.js("return document.getElementById('composer').hidden"), "no composer on an unassigned ticket")
        check(not any(e["type"] == "ticket.message.viewed" for e in sent()), "viewing an unassigned ticket marks nothing viewed")
        texts = b.js("return [...document.querySelectorAll('#message-list .msg-text')].map(e => e.textContent)")
        check(texts[0].startswith("<script>"), "message text rendered literally")
        # ---- assign ----
        b.js("document.getElementById('btn-assign').focus()")
        b.keys("enter")
        b.wait("return !document.getElementById('composer').hidden", "composer after assign")
        check(any(e == {"type": "ticket.assign", "id": 1} for e in sent()), "assign sent over the socket")
        check(b.js("return document.getElementById('tab-mine').getAttribute('aria-selected')") == "true", "the list switches to Mine")
        b.wait("return document.activeElement.id === 'reply'", "focus in the reply box")
        b.wait("return JSON.stringify(arguments[0])", "x", 1, 0)
        # viewed marks for the two user messages
        end = time.time() + 5
        while time.time() < end and len([e for e in sent() if e["type"] == "ticket.message.viewed"]) < 2:
            time.sleep(0.1)
        viewed = [e for e in sent() if e["type"] == "ticket.message.viewed"]
        check(len(viewed) == 2 and all(e["ticket_id"] == 1 for e in viewed), "both unread messages marked viewed")
        b.wait("return document.querySelector('#tab-mine .tab-count').hidden || document.querySelector('#tab-mine .tab-count').textContent === '2'", "badge")
        # ---- reply: Shift+Enter is a new line, Enter sends ----
        b.keys("Hello", ("shift", "enter"), "there <b>x</b>")
        check(b.js("return document.getElementById('reply').value") == "Hello\nthere <b>x</b>", "Shift+Enter inserts a new line")
        b.keys("enter")
        b.wait("return [...document.querySelectorAll('.msg-supp:not(.pending) .msg-text')].some(e => e.textContent === 'Hello\\nthere <b>x</b>')", "reply echoed")
        check(any(e.get("type") == "ticket.message.new" and e.get("text") == "Hello\nthere <b>x</b>" for e in sent()), "reply sent over the socket")
        check(b.js("return document.querySelectorAll('.pending').length") == 0, "no pending bubble left")
        check(b.js("return document.getElementById('reply').value") == "", "reply box cleared")
        # ---- live: user message and new ticket ----
        http("POST", f"{BASE}/mock/user-message", {"ticket": 1, "text": "live from user"})
        b.wait("return [...document.querySelectorAll('.msg-user .msg-text')].some(e => e.textContent === 'live from user')", "live message")
        check(True, "a user message arrives live in the open chat")
        http("POST", f"{BASE}/mock/create", {"title": "Brand new ticket", "text": "help"})
        b.wait("return document.querySelector('#tab-unassigned .tab-count').textContent === '2'", "unread after create")
        check(True, "a created ticket updates the unassigned unread count")
        # ---- reconnect ----
        http("POST", f"{BASE}/mock/drop")
        b.wait("return document.getElementById('conn').dataset.state !== 'open'", "socket drop noticed", 5)
        state = b.js("return document.getElementById('conn').dataset.state + ' ' + document.getElementById('conn-text').textContent")
        check(True, f"drop shown: {state}")
        b.wait("return document.getElementById('conn').dataset.state === 'open'", "reconnected", 8)
        check(True, "reconnected automatically")
        # ---- take over another manager's ticket ----
        b.go(PAGE + "#/ticket/6")
        b.wait("return document.getElementById('conn').dataset.state === 'open' && !document.getElementById('btn-assign').hidden", "take over button")
        check(b.js("return document.getElementById('btn-assign').textContent") == "Take over", "another manager's ticket offers Take over")
        b.js("document.getElementById('btn-assign').focus()")
        b.keys("enter")
        b.wait("return document.getElementById('confirm').open", "dialog")
        check(focused(b) == "confirm-cancel", "the dialog opens with focus on Cancel")
        b.keys("escape")
        b.wait("return !document.getElementById('confirm').open", "dialog closed")
        check(focused(b) == "btn-assign", "Escape cancels and focus returns")
        b.keys("enter")
        b.wait("return document.getElementById('confirm').open", "dialog again")
        b.keys("tab", "enter")
        b.wait("return !document.getElementById('composer').hidden", "mine after takeover")
        check(any(e == {"type": "ticket.assign", "id": 6, "force": True} for e in sent()), "takeover sends force: true")
        # ---- resolve and reopen ----
        b.js("document.getElementById('btn-resolve').click()")
        b.wait("return document.querySelector('.chip').classList.contains('chip-done')", "resolved")
        check(b.js("return document.getElementById('btn-resolve').textContent") == "Reopen", "resolve works; Reopen offered")
        check(b.js("return document.getElementById('composer').hidden"), "resolved ticket is read-only")
        b.js("document.getElementById('btn-resolve').click()")
        b.wait("return document.querySelector('.chip').classList.contains('chip-open')", "reopened")
        check(True, "reopen works")
        # ---- history paging ----
        b.go(PAGE + "#/ticket/4")
        b.wait("return document.querySelectorAll('#message-list .msg').length === 30", "first page")
        check(not b.js("return document.getElementById('load-older').hidden"), "older messages can be loaded")
        b.js("document.getElementById('load-older').click()")
        b.wait("return document.querySelectorAll('#message-list .msg').length === 46", "all 46 messages")
        check(b.js("return document.getElementById('load-older').hidden"), "history paging loads the rest")
        # ---- language ----
        b.js("document.querySelector('.topbar .lang-btn[data-lang=ru]').click()")
        check(b.js("return document.querySelector('#tab-unassigned .tab-label').textContent") == "Новые", "switches to Russian")
        b.go(PAGE)
        b.wait("return document.querySelector('#tab-unassigned .tab-label').textContent === 'Новые' && !document.getElementById('app').hidden", "persisted")
        check(b.js("return document.documentElement.lang") == "ru", "language persisted across reloads")
        # ---- tabs with arrow keys ----
        b.js("document.querySelector('[role=tab][aria-selected=true]').focus()")
        before = b.js("return document.activeElement.dataset.list")
        b.keys("right")
        after = b.js("return document.activeElement.dataset.list")
        check(before and before != after and b.js("return document.activeElement.getAttribute('aria-selected')") == "true", "arrow keys switch tabs")
        # ---- logout ----
        b.js("document.getElementById('logout').click()")
        b.wait("return !document.getElementById('login').hidden", "login after logout")
        check(True, "sign out returns to the login form")
        b.no_alert()
        # Expected: the 400 of the wrong password and 401s after sign-out.
        expected = ("status of 400", "status of 401")
        severe = [e for e in b.logs() if e.get("level") == "SEVERE" and not any(x in e.get("message", "") for x in expected)]
        check(not severe, f"no console errors or CSP violations ({severe[:3]})")
        # ---- narrow screen ----
        b.quit()
        b = Browser(360, 780)
        # Desktop Chrome windows are at least 500 px wide; emulate a 360 px phone screen.
        b.cmd("POST", "/goog/cdp/execute", {"cmd": "Emulation.setDeviceMetricsOverride",
                                            "params": {"width": 360, "height": 780, "deviceScaleFactor": 2, "mobile": True}})
        b.go(PAGE)
        b.wait("return !document.getElementById('login').hidden", "login at 360")
        b.js("document.getElementById('login-username').value = 'anna'; document.getElementById('login-password').value = 'secret'")
        b.js("document.getElementById('login-form').requestSubmit()")
        b.wait("return document.querySelectorAll('.ticket-item').length > 0", "list at 360")
        dims = b.js("return [innerWidth, document.documentElement.scrollWidth]")
        check(dims[1] <= dims[0], f"no horizontal scroll at a phone width {dims}")
        b.js("document.querySelector('.ticket-item').click()")
        b.wait("return getComputedStyle(document.querySelector('.sidebar')).display === 'none' && !document.getElementById('chat').hidden", "chat only")
        check(b.js("return document.activeElement.id") == "chat-title", "focus moves to the chat on a phone")
        b.keys("escape")
        b.wait("return getComputedStyle(document.querySelector('.sidebar')).display !== 'none'", "back to list")
        check(True, "Escape returns to the list on a phone")
        print("all passed")
    finally:
        if b:
            try:
                b.quit()
            except Exception:
                pass
        driver.terminate()
        mock.terminate()


if __name__ == "__main__":
    main()
