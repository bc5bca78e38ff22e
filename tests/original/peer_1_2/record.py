"""Record the REST and websocket answers of chatlabs-django-support==1.2.0.

Runs against a FRESH peer (setup.sh, then run.sh PORT) and writes
tests/golden/v1.2/NNN_<case>.json in the same format as the 0.1.5 recordings in
tests/golden/ (see tests/golden/v1.2/README.md). Cases are numbered in the order
run; a re-run on a fresh peer gives the same files apart from timestamps,
timings and session-dependent values, which `normalized` masks.

usage: <peer venv>/bin/python record.py [--base http://127.0.0.1:8791] [--out DIR]
(needs aiohttp and websockets >= 13, both installed in the peer's venv by setup.sh)
"""
import argparse
import asyncio
import json
import os
import re
import sys
import time

import aiohttp
import websockets
from websockets.asyncio.client import connect as ws_connect

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, '..', '..', 'golden', 'v1.2'))

WINDOW_MS = 2000          # how long we listen after each websocket action
CLIENT_ORDER = ['A', 'A2', 'B']   # fixed order of recv events within one action
MANAGERS = {'A': ('manager', 'manager-pass'), 'A2': ('manager', 'manager-pass'),
            'B': ('manager2', 'manager2-pass')}
HEADER_ORDER = ['content-type', 'allow', 'location', 'vary']
INT_KEYS = {'id', 'ticket', 'ticket_id', 'support_manager', 'message_id'}
MS_KEYS = {'t_ms', 'ms', 'close_after_ms'}


def now_ms():
    return time.monotonic() * 1000.0


# --------------------------------------------------------------------------- normalization
def norm_path(s):
    return '/'.join('<int>' if seg.isdigit() else seg for seg in s.split('/'))


def normalize(v, base):
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k in INT_KEYS and isinstance(x, int) and not isinstance(x, bool):
                out[k] = '<int>'
            elif k == 'created_at' and isinstance(x, str):
                out[k] = '<datetime>'
            elif k in MS_KEYS and isinstance(x, (int, float)) and not isinstance(x, bool):
                out[k] = '<ms>'
            elif k == 'path' and isinstance(x, str):
                out[k] = norm_path(x)
            else:
                out[k] = normalize(x, base)
        return out
    if isinstance(v, list):
        return [normalize(x, base) for x in v]
    if isinstance(v, str) and v.startswith(base):
        return '<base>' + norm_path(v[len(base):])
    return v


# --------------------------------------------------------------------------- recorder
class Client:
    def __init__(self, rec, name, cookie):
        self.rec, self.name, self.cookie = rec, name, cookie
        self.ws = None
        self.task = None

    async def connect(self, path='/ws/support/manager/'):
        """Returns the connect event data {path, handshake_status, ms}."""
        t0 = now_ms()
        headers = {'Cookie': self.cookie} if self.cookie else {}
        try:
            self.ws = await ws_connect(self.rec.ws_base + path, additional_headers=headers,
                                       open_timeout=10, max_size=None)
            status = 101
        except websockets.exceptions.InvalidStatus as e:
            status = e.response.status_code
            self.ws = None
        except (websockets.exceptions.InvalidHandshake, OSError, asyncio.TimeoutError) as e:
            status = f'error: {type(e).__name__}'
            self.ws = None
        ms = round(now_ms() - t0)
        if self.ws is not None:
            self.task = asyncio.create_task(self._read(self.ws))
        return {'path': path, 'handshake_status': status, 'ms': ms}

    async def _read(self, ws):
        try:
            async for raw in ws:
                try:
                    data = json.loads(raw)
                    self.rec.inbox.append((now_ms(), self.name, 'recv', data))
                except (ValueError, TypeError):
                    self.rec.inbox.append((now_ms(), self.name, 'recv-raw', raw))
        except websockets.exceptions.ConnectionClosed:
            pass
        code = ws.close_code
        self.rec.inbox.append((now_ms(), self.name, 'closed', {'code': code}))

    @property
    def open(self):
        return self.ws is not None and self.task is not None and not self.task.done()

    async def close(self):
        if self.ws is not None:
            await self.ws.close()
            if self.task:
                await self.task
        self.ws = None


class Recorder:
    def __init__(self, base, out):
        self.base = base.rstrip('/')
        self.ws_base = 'ws' + self.base[len('http'):]
        self.out = out
        self.n = 0
        self.inbox = []
        self.clients = {}
        self.cookies = {}
        self.http_session = None
        self.manager_sessions = {}
        self.written = []

    # ------------------------------------------------------------------ files
    def write(self, case, doc):
        self.n += 1
        full = {'case': case}
        full.update(doc)
        norm = normalize({k: v for k, v in doc.items()}, self.base)
        full['normalized'] = norm
        name = f'{self.n:03d}_{case}.json'
        with open(os.path.join(self.out, name), 'w', encoding='utf-8') as f:
            f.write(json.dumps(full, indent=1, ensure_ascii=False))
        self.written.append(name)
        print(name, file=sys.stderr)

    # ------------------------------------------------------------------ http
    async def http(self, case, method, path, body=None, content_type='application/json',
                   session=None, omit_body=False, record=True):
        session = session or self.http_session
        data = None
        headers = {}
        if body is not None:
            if content_type == 'application/json':
                data = json.dumps(body)
            else:
                data = body
            headers['Content-Type'] = content_type
        else:
            content_type = None
        async with session.request(method, self.base + path, data=data, headers=headers,
                                   allow_redirects=False) as r:
            raw = await r.read()
            status = r.status
            hdrs = {h: r.headers[h] for h in HEADER_ORDER if h in r.headers}
        text = raw.decode('utf-8', 'replace')
        if not raw:
            rbody = None
        elif omit_body:
            rbody = {'_omitted': True, '_len': len(text)}
        else:
            try:
                rbody = json.loads(text)
            except ValueError:
                rbody = {'_non_json_text': text[:2000], '_len': len(text)}
        if record:
            self.write(case, {
                'kind': 'http',
                'request': {'method': method, 'path': path, 'body': body, 'content_type': content_type},
                'response': {'status': status, 'headers': hdrs, 'body': rbody},
            })
        return status, rbody

    # ------------------------------------------------------------------ login
    async def login(self, username, password):
        if username in self.manager_sessions:
            return self.manager_sessions[username]
        s = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with s.get(self.base + '/admin/login/') as r:
            page = await r.text()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        async with s.post(self.base + '/admin/login/?next=/admin/', allow_redirects=False, data={
                'csrfmiddlewaretoken': token, 'username': username, 'password': password,
                'next': '/admin/'}) as r:
            assert r.status == 302, f'login {username}: {r.status}'
        jar = {c.key: c.value for c in s.cookie_jar}
        cookie = f"sessionid={jar['sessionid']}; csrftoken={jar['csrftoken']}"
        self.manager_sessions[username] = (s, cookie)
        return s, cookie

    # ------------------------------------------------------------------ websockets
    def drain(self):
        items, self.inbox = self.inbox, []
        return items

    async def ws_case(self, case, steps=(), watch=None, window_ms=WINDOW_MS, bad_sender=None,
                      t0=None, prefix_events=None, check_leftovers=True):
        """Runs steps, listens window_ms, writes one ws case.

        steps: ('send', client, obj) | ('send-raw', client, str) | ('connect', client, path)
               | ('close', client, None)
        watch: clients whose silence is written as a 'none' event (default: every client
               connected at the end of the steps, in CLIENT_ORDER).
        """
        if check_leftovers:
            leftovers = self.drain()
            assert not leftovers, f'{case}: unexpected events before the case: {leftovers}'
        t0 = now_ms() if t0 is None else t0
        events = list(prefix_events or [])
        send_t = {}
        for kind, cname, data in steps:
            t = round(now_ms() - t0)
            if kind == 'connect':
                c = self.clients.get(cname)
                ev = await c.connect(data or '/ws/support/manager/')
                events.append({'t_ms': t, 'client': cname, 'dir': 'connect', 'data': ev})
            elif kind == 'close':
                await self.clients[cname].close()
                self.drain_client(cname)
                events.append({'t_ms': t, 'client': cname, 'dir': 'close', 'data': None})
            elif kind == 'send':
                send_t[cname] = now_ms()
                await self.clients[cname].ws.send(json.dumps(data))
                events.append({'t_ms': t, 'client': cname, 'dir': 'send', 'data': data})
            elif kind == 'send-raw':
                send_t[cname] = now_ms()
                await self.clients[cname].ws.send(data)
                events.append({'t_ms': t, 'client': cname, 'dir': 'send-raw', 'data': data})
        await asyncio.sleep(window_ms / 1000)
        got = self.drain()
        if watch is None:
            watch = [c for c in CLIENT_ORDER if c in self.clients and
                     (self.clients[c].open or any(g[1] == c for g in got))]
            watch += [c for c in self.clients if c not in CLIENT_ORDER and
                      (self.clients[c].open or any(g[1] == c for g in got))]
        order = {c: i for i, c in enumerate(CLIENT_ORDER + sorted(self.clients))}
        got.sort(key=lambda g: order.get(g[1], 99))  # stable: arrival order kept per client
        for t, cname, kind, data in got:
            events.append({'t_ms': round(t - t0), 'client': cname, 'dir': kind, 'data': data})
        for cname in watch:
            if not any(g[1] == cname for g in got):
                events.append({'t_ms': None, 'client': cname, 'dir': 'none', 'data': None,
                               'wait_ms': window_ms})
        doc = {'kind': 'ws', 'events': events}
        if bad_sender:
            mine = [g for g in got if g[1] == bad_sender]
            closed = [g for g in mine if g[2] == 'closed']
            doc['result'] = {
                'socket_closed': bool(closed),
                'close_code': closed[0][3]['code'] if closed else None,
                'close_after_ms': round(closed[0][0] - send_t.get(bad_sender, t0)) if closed else None,
                'messages_to_sender': [g[3] for g in mine if g[2] in ('recv', 'recv-raw')],
            }
        self.write(case, doc)
        return got

    def drain_client(self, cname):
        self.inbox = [g for g in self.inbox if g[1] != cname]

    async def http_ws(self, http_case, ws_case, method, path, body=None, **kw):
        """An HTTP case, then a ws case holding what the connected sockets got from it."""
        leftovers = self.drain()
        assert not leftovers, f'{http_case}: unexpected events before the case: {leftovers}'
        t0 = now_ms()
        res = await self.http(http_case, method, path, body, **kw)
        await self.ws_case(ws_case, t0=t0, check_leftovers=False)
        return res

    async def ensure(self, names, case='ws_connect_managers'):
        """(Re)connects the named manager sockets and records it as one ws case."""
        steps = []
        for n in names:
            if n not in self.clients:
                _, cookie = await self.login(*MANAGERS[n])
                self.clients[n] = Client(self, n, cookie)
            if not self.clients[n].open:
                steps.append(('connect', n, None))
        if steps:   # nothing is written when every socket is still open
            await self.ws_case(case, steps)


# --------------------------------------------------------------------------- the cases
async def run(rec):
    R = rec
    T = '/support/tickets/'

    def tp(i):
        return f'{T}{i}/'

    def mp(i, q=''):
        return f'{T}{i}/messages/{q}'

    # ---------------------------------------------------------------- 1. tickets: create/get
    _, t = await R.http('ticket_create_ok', 'POST', T, {'user_id': 1001, 'title': 'conformance ticket 1'})
    t1 = t['id']
    await R.http('ticket_create_unknown_user', 'POST', T, {'user_id': 999999999, 'title': 'x'})
    await R.http('ticket_create_missing_title', 'POST', T, {'user_id': 1001})
    await R.http('ticket_create_missing_user_id', 'POST', T, {'title': 'x'})
    await R.http('ticket_create_viewed_true', 'POST', T, {'user_id': 1001, 'title': 'born viewed', 'viewed': True})
    await R.http('ticket_create_readonly_fields', 'POST', T, {
        'user_id': 1001, 'title': 'ro', 'id': 999, 'created_at': '2000-01-01T00:00:00Z',
        'support_manager': 1, 'last_message': {'text': 'x'}})
    await R.http('ticket_get_no_messages', 'GET', tp(t1))
    await R.http('ticket_get_404', 'GET', tp(999999999))
    await R.http('ticket_get_non_int_id', 'GET', f'{T}abc/')

    # ---------------------------------------------------------------- 2. messages: create + viewed
    await R.http('ticket_patch_viewed_true', 'PATCH', tp(t1), {'viewed': True})
    await R.http('ticket_get_after_viewed_true', 'GET', tp(t1))
    await R.http('message_create_user', 'POST', mp(t1), {'text': 'hello from user'})
    await R.http('ticket_get_after_message', 'GET', tp(t1))
    await R.http('message_create_sender_supp', 'POST', mp(t1), {'text': 'reply via rest', 'sender': 'supp'})
    await R.http('message_create_with_viewed_field', 'POST', mp(t1), {'text': 'with viewed', 'viewed': True})
    await R.http('ticket_get_last_message', 'GET', tp(t1))
    await R.http('message_create_unknown_ticket', 'POST', mp(999999999), {'text': 'x'})
    await R.http('message_create_text_empty', 'POST', mp(t1), {'text': ''})
    await R.http('message_create_missing_text', 'POST', mp(t1), {})
    await R.http('message_create_text_4097', 'POST', mp(t1), {'text': 'x' * 4097})
    await R.http('message_create_non_int_ticket', 'POST', f'{T}abc/messages/', {'text': 'x'})

    # ---------------------------------------------------------------- 3. PATCH
    _, t = await R.http('ticket_create_for_patch', 'POST', T, {'user_id': 1001, 'title': 'patch me'})
    tpatch = t['id']
    await R.http('ticket_patch_viewed_true_2', 'PATCH', tp(tpatch), {'viewed': True})
    await R.http('ticket_get_after_patch_viewed', 'GET', tp(tpatch))
    await R.http('ticket_patch_viewed_false', 'PATCH', tp(tpatch), {'viewed': False})
    await R.http('ticket_patch_viewed_banana', 'PATCH', tp(tpatch), {'viewed': 'banana'})
    await R.http('ticket_patch_viewed_null', 'PATCH', tp(tpatch), {'viewed': None})
    await R.http('ticket_patch_resolved_true', 'PATCH', tp(tpatch), {'resolved': True})
    await R.http('ticket_patch_resolved_false', 'PATCH', tp(tpatch), {'resolved': False})
    await R.http('ticket_patch_nested_body_resolved', 'PATCH', tp(tpatch), {'body': {'resolved': True}})
    await R.http('ticket_patch_nested_body_viewed', 'PATCH', tp(tpatch), {'body': {'viewed': True}})
    await R.http('ticket_get_after_nested', 'GET', tp(tpatch))
    await R.http('ticket_patch_last_message_ignored', 'PATCH', tp(tpatch), {'last_message': None, 'title': 'patched'})
    await R.http('ticket_patch_404', 'PATCH', tp(999999999), {'viewed': True})

    # ---------------------------------------------------------------- 4. message list
    _, t = await R.http('ticket_create_for_messages', 'POST', T, {'user_id': 1002, 'title': 'messages'})
    tm = t['id']
    await R.http('messages_list_empty', 'GET', mp(tm))
    await R.http('messages_list_empty_limit', 'GET', mp(tm, '?limit=2'))
    for i in range(1, 6):
        await R.http(f'message_create_{i}', 'POST', mp(tm), {'text': f'user msg {i}'})
    await R.http('messages_list_5', 'GET', mp(tm))
    await R.http('messages_limit_2', 'GET', mp(tm, '?limit=2'))
    await R.http('messages_limit_2_offset_2', 'GET', mp(tm, '?limit=2&offset=2'))
    await R.http('messages_limit_2_offset_4', 'GET', mp(tm, '?limit=2&offset=4'))
    await R.http('messages_offset_only', 'GET', mp(tm, '?offset=2'))
    await R.http('messages_limit_abc', 'GET', mp(tm, '?limit=abc'))
    await R.http('messages_list_unknown_ticket', 'GET', mp(999999999))
    await R.http('messages_list_unknown_ticket_limit', 'GET', mp(999999999, '?limit=2'))
    await R.http('messages_list_non_int_ticket', 'GET', f'{T}abc/messages/')
    await R.http('ticket_get_after_5_messages', 'GET', tp(tm))

    # ---------------------------------------------------------------- 5. manager page
    await R.http('manager_page_unauth', 'GET', '/support/manager/')
    s1, _ = await R.login('manager', 'manager-pass')
    await R.http('manager_page_auth', 'GET', '/support/manager/', session=s1, omit_body=True)

    # ---------------------------------------------------------------- 6. websocket
    # tickets used below are created before the sockets connect (ticket.created kills sockets).
    _, t = await R.http('ticket_create_for_ws', 'POST', T, {'user_id': 1004, 'title': 'ws flow'})
    tw = t['id']
    _, t = await R.http('ticket_create_for_ws_2', 'POST', T, {'user_id': 1005, 'title': 'ws flow 2'})
    tw2 = t['id']

    R.clients['unauth'] = Client(R, 'unauth', None)
    await R.ws_case('ws_unauthenticated_connect', [('connect', 'unauth', None)], watch=[])
    del R.clients['unauth']
    R.clients['wrongpath'] = Client(R, 'wrongpath', (await R.login('manager', 'manager-pass'))[1])
    await R.ws_case('ws_wrong_path', [('connect', 'wrongpath', '/ws/support/nope/')], watch=[])
    del R.clients['wrongpath']

    await R.ensure(['A', 'A2', 'B'], 'ws_connect_managers')
    # ticket.created broadcast
    _, t = await R.http_ws('ticket_create_with_sockets', 'ws_ticket_created_broadcast', 'POST', T,
                           {'user_id': 1003, 'title': 'created while connected'})
    tcreated = t['id']
    await R.ensure(['A', 'A2', 'B'], 'ws_reconnect_managers')

    # assign (1.2 form)
    await R.ws_case('ws_ticket_assign', [('send', 'A', {'type': 'ticket.assign', 'ticket_id': tw})])
    await R.http('ticket_get_after_assign', 'GET', tp(tw))
    # user message via REST on the assigned ticket
    await R.http_ws('message_create_user_on_assigned', 'ws_rest_message_delivery', 'POST', mp(tw),
                    {'text': 'hello from user'})
    # manager message via WS
    await R.ws_case('ws_manager_message_new', [('send', 'A', {'type': 'ticket.message.new', 'ticket_id': tw,
                                                              'text': 'reply from A'})])
    await R.http('messages_after_ws_message', 'GET', mp(tw))
    await R.http('ticket_get_after_ws_message', 'GET', tp(tw))
    # a non-holder posts to the ticket
    await R.ws_case('ws_message_new_by_non_holder', [('send', 'B', {'type': 'ticket.message.new', 'ticket_id': tw,
                                                                    'text': 'reply from B'})])
    # B steals the ticket
    await R.ws_case('ws_reassign_by_b', [('send', 'B', {'type': 'ticket.assign', 'ticket_id': tw})])
    await R.http_ws('message_create_user_after_reassign', 'ws_rest_message_after_reassign', 'POST', mp(tw),
                    {'text': 'after reassign'})
    # a socket opened after an assignment joins the held tickets' groups at connect
    R.clients['B2'] = Client(R, 'B2', (await R.login('manager2', 'manager2-pass'))[1])
    await R.ws_case('ws_connect_b2_after_assign', [('connect', 'B2', None)])
    await R.http_ws('message_create_user_after_b2', 'ws_rest_message_to_b2', 'POST', mp(tw),
                    {'text': 'after B2 connected'})
    await R.ws_case('ws_close_b2', [('close', 'B2', None)], watch=[])
    del R.clients['B2']
    # PATCH over REST: any event?
    await R.http_ws('ticket_patch_resolved_assigned', 'ws_rest_patch_no_event', 'PATCH', tp(tw), {'resolved': True})
    await R.http_ws('ticket_patch_viewed_assigned', 'ws_rest_patch_viewed_no_event', 'PATCH', tp(tw), {'viewed': True})
    # a manager message over WS does not reset viewed (only the REST POST does)
    await R.ws_case('ws_manager_message_on_viewed_ticket', [('send', 'B', {'type': 'ticket.message.new', 'ticket_id': tw,
                                                                          'text': 'reply from B on viewed'})])
    await R.http('ticket_get_after_ws_message_on_viewed', 'GET', tp(tw))

    # bad / old-style input; each may kill the sender's socket
    bad = [
        ('ws_old_assign_id_form', 'send', {'type': 'ticket.assign', 'id': tw2}),
        ('ws_unknown_type', 'send', {'type': 'ticket.unknown'}),
        ('ws_message_viewed_old_type', 'send', {'type': 'ticket.message.viewed', 'ticket_id': tw, 'message_id': 1}),
        ('ws_message_list_old_type', 'send', {'type': 'ticket.message.list', 'ticket_id': tw}),
        ('ws_no_type', 'send', {'ticket_id': tw}),
        ('ws_invalid_json', 'send-raw', 'not json{'),
        ('ws_assign_nonexistent', 'send', {'type': 'ticket.assign', 'ticket_id': 999999999}),
        ('ws_assign_missing_ticket_id', 'send', {'type': 'ticket.assign'}),
        ('ws_assign_ticket_id_str', 'send', {'type': 'ticket.assign', 'ticket_id': str(tw2)}),
        ('ws_message_new_nonexistent_ticket', 'send', {'type': 'ticket.message.new', 'ticket_id': 999999999, 'text': 'x'}),
        ('ws_message_new_missing_text', 'send', {'type': 'ticket.message.new', 'ticket_id': tw2}),
        ('ws_message_new_text_empty', 'send', {'type': 'ticket.message.new', 'ticket_id': tw2, 'text': ''}),
        ('ws_message_new_text_5000', 'send', {'type': 'ticket.message.new', 'ticket_id': tw2, 'text': 'y' * 5000}),
    ]
    for case, kind, data in bad:
        await R.ensure(['A', 'A2', 'B'], f'{case}_connect')
        await R.ws_case(case, [(kind, 'B', data)], bad_sender='B')
    await R.ensure(['A', 'A2', 'B'], 'ws_reconnect_after_bad')
    await R.http('messages_after_bad_ws', 'GET', mp(tw2))
    await R.http('ticket_get_after_bad_ws', 'GET', tp(tw2))

    for n in ['A', 'A2', 'B']:
        await R.clients[n].close()
    R.drain()

    # ---------------------------------------------------------------- 7. ticket list: order + filters
    # user 1003 tickets in distinct states (no sockets connected from here on)
    L = {}
    for name in ['L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'L7', 'L8']:
        _, t = await R.http(f'ticket_create_list_{name}', 'POST', T, {'user_id': 1003, 'title': f'list {name}'})
        L[name] = t['id']
        await asyncio.sleep(0.01)
    for name in ['L7', 'L2', 'L3', 'L5']:
        await R.http(f'message_create_list_{name}', 'POST', mp(L[name]), {'text': f'msg on {name}'})
        await asyncio.sleep(0.01)
    await R.http('ticket_patch_list_L3_viewed', 'PATCH', tp(L['L3']), {'viewed': True})
    await R.http('ticket_patch_list_L4_resolved', 'PATCH', tp(L['L4']), {'resolved': True})
    await R.http('ticket_patch_list_L5_resolved_viewed', 'PATCH', tp(L['L5']),
                 {'resolved': True, 'viewed': True})
    await R.http('ticket_patch_list_L8_viewed', 'PATCH', tp(L['L8']), {'viewed': True})
    # manager 1 takes L6 over a fresh socket (connected after the creates: ticket.created kills sockets)
    await R.ensure(['A'], 'ws_connect_for_list_assign')
    await R.ws_case('ws_assign_list_L6', [('send', 'A', {'type': 'ticket.assign', 'ticket_id': L['L6']})])
    await R.ws_case('ws_close_for_list', [('close', 'A', None)], watch=[])
    await R.http('ticket_list_user_1003', 'GET', f'{T}?user_id=1003')
    await R.http('ticket_list_all', 'GET', T)
    await R.http('ticket_list_limit_2', 'GET', f'{T}?limit=2')
    await R.http('ticket_list_user_id_1001', 'GET', f'{T}?user_id=1001')
    await R.http('ticket_list_resolved_true', 'GET', f'{T}?resolved=true')
    await R.http('ticket_list_resolved_false', 'GET', f'{T}?resolved=false')
    await R.http('ticket_list_user_and_resolved_false', 'GET', f'{T}?user_id=1001&resolved=false')
    await R.http('ticket_list_user_and_resolved_true', 'GET', f'{T}?user_id=1001&resolved=true')
    await R.http('ticket_list_manager_1', 'GET', f'{T}?manager=1')
    await R.http('ticket_list_manager_2', 'GET', f'{T}?manager=2')
    await R.http('ticket_list_manager_isnull_true', 'GET', f'{T}?manager__isnull=true')
    await R.http('ticket_list_manager_isnull_false', 'GET', f'{T}?manager__isnull=false')
    await R.http('ticket_list_manager_abc', 'GET', f'{T}?manager=abc')
    await R.http('ticket_list_manager_isnull_maybe', 'GET', f'{T}?manager__isnull=maybe')
    await R.http('ticket_list_resolved_maybe', 'GET', f'{T}?resolved=maybe')
    await R.http('ticket_list_user_id_abc', 'GET', f'{T}?user_id=abc')
    await R.http('ticket_list_viewed_true_unknown_param', 'GET', f'{T}?viewed=true')


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--base', default=os.environ.get('REFPEER12_BASE', 'http://127.0.0.1:8791'))
    ap.add_argument('--out', default=DEFAULT_OUT)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for f in os.listdir(a.out):
        if re.match(r'^\d{3}_.*\.json$', f):
            os.remove(os.path.join(a.out, f))
    rec = Recorder(a.base, a.out)
    rec.http_session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    try:
        await run(rec)
    finally:
        for c in list(rec.clients.values()):
            try:
                await c.close()
            except Exception:
                pass
        await rec.http_session.close()
        for s, _ in rec.manager_sessions.values():
            await s.close()
    print(f'wrote {len(rec.written)} files to {a.out}', file=sys.stderr)


if __name__ == '__main__':
    asyncio.run(main())
