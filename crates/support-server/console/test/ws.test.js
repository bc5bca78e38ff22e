// Unit tests of the websocket's resumption (ws.js) with a fake WebSocket: the URL asks for what
// came after the last event seen, `resumed` and `resync_required` reach their listeners and not
// the events', and a server that never answers `since` leads to a reload.

import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';

class FakeSocket {
  static OPEN = 1;
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.listeners = {};
    FakeSocket.all.push(this);
  }
  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }
  emit(type, event = {}) {
    for (const fn of this.listeners[type] || []) fn(event);
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.emit('open');
  }
  message(obj) {
    this.emit('message', { data: JSON.stringify(obj) });
  }
  close(code = 1006) {
    this.readyState = 3;
    this.emit('close', { code });
  }
}

let ManagerSocket;
let timers;

beforeEach(async () => {
  FakeSocket.all = [];
  globalThis.window = { addEventListener() {} };
  globalThis.WebSocket = FakeSocket;
  // Timers run only when a test says so.
  timers = [];
  globalThis.setTimeout = (fn, ms) => {
    timers.push({ fn, ms });
    return timers.length;
  };
  globalThis.clearTimeout = (id) => {
    if (id && timers[id - 1]) timers[id - 1].fn = null;
  };
  globalThis.setInterval = () => 0;
  globalThis.clearInterval = () => {};
  ({ ManagerSocket } = await import('../ws.js'));
});

afterEach(() => {
  delete globalThis.window;
});

function fire(ms) {
  for (const t of timers) {
    if (t.fn && t.ms === ms) {
      const fn = t.fn;
      t.fn = null;
      fn();
    }
  }
}

function socket() {
  const s = new ManagerSocket('ws://h/ws/support/manager/');
  const seen = { events: [], resumed: [], resync: 0 };
  s.onEvent = (e) => seen.events.push(e.type);
  s.onResumed = (info) => seen.resumed.push(info);
  s.onResync = () => (seen.resync += 1);
  return { s, seen };
}

test('the first connection asks from now on, a reconnection from the last event seen', () => {
  const { s, seen } = socket();
  s.start();
  const first = FakeSocket.all[0];
  assert.equal(first.url, 'ws://h/ws/support/manager/?since=latest');
  first.open();
  first.message({ type: 'resumed', seq: 40, replayed: 0 });
  assert.deepEqual(seen.resumed, [{ fresh: true, replayed: 0 }]);
  first.message({ type: 'ticket.created', ticket: {}, seq: 41 });
  first.message({ type: 'ticket.message.list', messages: [] }); // an answer: no seq
  first.message({ type: 'ticket.assigned', id: 1, support_manager: 2, seq: 44 });
  assert.deepEqual(seen.events, ['ticket.created', 'ticket.message.list', 'ticket.assigned']);
  first.close();
  fire([...timers].reverse().find((t) => t.fn && t.ms >= 800)?.ms);
  const second = FakeSocket.all[1];
  assert.equal(second.url, 'ws://h/ws/support/manager/?since=44');
  second.open();
  second.message({ type: 'ticket.message.new', message: {}, seq: 45 });
  second.message({ type: 'resumed', seq: 47, replayed: 1 });
  assert.deepEqual(seen.resumed[1], { fresh: false, replayed: 1 });
  assert.equal(seen.resync, 0, 'resumed: no reload');
  assert.equal(s.seq, 47, 'the cursor covers events meant for others');
  assert.ok(!seen.events.includes('resumed'), 'not an event for the page');
});

test('resync_required asks for a reload and sets the cursor, even lower', () => {
  const { s, seen } = socket();
  s.start();
  const ws = FakeSocket.all[0];
  ws.open();
  ws.message({ type: 'ticket.created', ticket: {}, seq: 500 });
  ws.message({ type: 'resync_required', seq: 12, detail: 'restored' });
  assert.equal(seen.resync, 1);
  assert.equal(s.seq, 12);
  assert.ok(!seen.events.includes('resync_required'));
});

test('a server that never answers since: a reload after the wait', () => {
  const { s, seen } = socket();
  s.start();
  FakeSocket.all[0].open();
  assert.equal(seen.resync, 0);
  fire(5000);
  assert.equal(seen.resync, 1);
  s.stop();
  assert.equal(s.seq, null, 'signed out: the next sign-in starts afresh');
});
