// The manager websocket with automatic reconnection (exponential backoff with jitter).

const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;

/**
 * A self-healing websocket. States: `connecting`, `open`, `waiting` (a retry is scheduled),
 * `stopped`. Listeners: `onState(state, info)`, `onEvent(event)`, `onOpen()`, `onClose(code)`.
 */
export class ManagerSocket {
  constructor(url) {
    this.url = url;
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

  connect() {
    this.setState('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
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
    });
    ws.addEventListener('message', (msg) => {
      if (this.ws !== ws || typeof msg.data !== 'string') return;
      let event;
      try {
        event = JSON.parse(msg.data);
      } catch {
        return;
      }
      if (event && typeof event === 'object' && typeof event.type === 'string') this.onEvent(event);
    });
    ws.addEventListener('close', (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
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
