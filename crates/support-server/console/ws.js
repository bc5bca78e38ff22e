// The manager websocket with automatic reconnection (exponential backoff with jitter) that
// resumes where it left off: every server event carries `seq`, and a reconnection asks for what
// came after the last one seen (`?since=`). The server replays it, then says `resumed`; when it
// cannot (too long away, a restarted server), it says `resync_required` and the page reloads.

const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;
/** A server that predates resumable events never answers `since`: reload after this long. */
const RESUME_ANSWER_MS = 5000;

/**
 * A self-healing websocket. States: `connecting`, `open`, `waiting` (a retry is scheduled),
 * `stopped`. Listeners: `onState(state, info)`, `onEvent(event)`, `onOpen()`, `onClose(code)`,
 * `onResumed({ fresh, replayed })` (everything missed has arrived, as events before it; `fresh`
 * on a first connection, which missed whatever happened before it), `onResync()` (what was
 * missed cannot be replayed: reload).
 */
export class ManagerSocket {
  constructor(url) {
    this.url = url;
    /** The number of the last event seen; null before the first connection answered. */
    this.seq = null;
    this.resumeTimer = null;
    this.ws = null;
    this.state = 'stopped';
    this.attempt = 0;
    this.retryAt = 0;
    this.timer = null;
    this.ticker = null;
    this.onState = () => {};
    this.onEvent = () => {};
    this.onOpen = () => {};
    this.onClose = () => {};
    this.onResumed = () => {};
    this.onResync = () => {};
    window.addEventListener('online', () => {
      if (this.state === 'waiting') this.reconnectNow();
    });
  }

  /** Whether a frame sent now goes out. */
  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  start() {
    if (this.state !== 'stopped') return;
    this.attempt = 0;
    this.connect();
  }

  /** Closes for good (logout). */
  stop() {
    this.clearTimers();
    clearTimeout(this.resumeTimer);
    this.seq = null;
    this.setState('stopped');
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000, 'bye');
    }
  }

  /** Skips the wait and connects now. */
  reconnectNow() {
    if (this.state === 'stopped' || this.state === 'open' || this.state === 'connecting') return;
    this.clearTimers();
    this.connect();
  }

  /** Sends an object as a JSON frame; returns false when the socket is not open. */
  send(obj) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  /** The URL of the next connection: from the last event seen, or from now on the first. */
  resumeUrl() {
    const since = this.seq === null ? 'latest' : String(this.seq);
    return `${this.url}${this.url.includes('?') ? '&' : '?'}since=${since}`;
  }

  connect() {
    this.setState('connecting');
    const fresh = this.seq === null;
    let ws;
    try {
      ws = new WebSocket(this.resumeUrl());
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.addEventListener('open', () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.setState('open');
      this.onOpen();
      clearTimeout(this.resumeTimer);
      this.resumeTimer = setTimeout(() => {
        if (this.ws === ws) this.onResync();
      }, RESUME_ANSWER_MS);
    });
    ws.addEventListener('message', (msg) => {
      if (this.ws !== ws || typeof msg.data !== 'string') return;
      let event;
      try {
        event = JSON.parse(msg.data);
      } catch {
        return;
      }
      if (!event || typeof event !== 'object' || typeof event.type !== 'string') return;
      if (event.type === 'resumed' || event.type === 'resync_required') {
        // The cursor from now on, even when smaller (the server's database was restored).
        if (Number.isSafeInteger(event.seq)) this.seq = event.seq;
        clearTimeout(this.resumeTimer);
        if (event.type === 'resumed') this.onResumed({ fresh, replayed: event.replayed });
        else this.onResync();
        return;
      }
      if (Number.isSafeInteger(event.seq) && (this.seq === null || event.seq > this.seq)) this.seq = event.seq;
      this.onEvent(event);
    });
    ws.addEventListener('close', (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearTimeout(this.resumeTimer);
      this.onClose(e.code);
      if (this.state !== 'stopped') this.scheduleRetry(e.code);
    });
  }

  /**
   * Waits before the next attempt: 1 s, 2 s, 4 s ... up to 30 s, each ±20 % so many consoles do
   * not reconnect in lockstep after a server restart. 1013 ("try again later": we were too slow)
   * and 1001 (server going away) reconnect the same way.
   */
  scheduleRetry() {
    const exp = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** this.attempt);
    const delay = Math.round(exp * (0.8 + Math.random() * 0.4));
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    this.clearTimers();
    this.timer = setTimeout(() => {
      this.clearTimers();
      this.connect();
    }, delay);
    // Ticks once a second so the header can count down.
    this.ticker = setInterval(() => this.emitWaiting(), 1000);
    this.state = 'waiting';
    this.emitWaiting();
  }

  emitWaiting() {
    const seconds = Math.max(1, Math.ceil((this.retryAt - Date.now()) / 1000));
    this.onState('waiting', { seconds, attempt: this.attempt });
  }

  clearTimers() {
    clearTimeout(this.timer);
    clearInterval(this.ticker);
    this.timer = null;
    this.ticker = null;
  }

  setState(state) {
    this.state = state;
    this.onState(state, { attempt: this.attempt });
  }
}
