// The REST API of the support server, as the console uses it (cookie session, JSON).

/** An HTTP failure: `status` (0 for a network error) and the JSON `body` when there was one. */
export class ApiError extends Error {
  constructor(status, body, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

/**
 * A one-line summary of an error body: `{"detail": "..."}` or `{"field": ["msg", ...]}`.
 * Returns '' when the body says nothing useful.
 */
export function summarize(body) {
  if (!body || typeof body !== 'object') return '';
  if (typeof body.detail === 'string') return body.detail;
  const parts = [];
  for (const [field, value] of Object.entries(body)) {
    const messages = Array.isArray(value) ? value.join(' ') : String(value);
    parts.push(field === 'non_field_errors' ? messages : `${field}: ${messages}`);
  }
  return parts.join('; ');
}

/** Normalizes a list answer: the paginated envelope, or a plain array (older servers). */
function page(body) {
  if (Array.isArray(body)) return { count: body.length, next: null, results: body };
  return {
    count: Number(body?.count ?? 0),
    next: body?.next ?? null,
    results: Array.isArray(body?.results) ? body.results : [],
  };
}

export class Api {
  /** `mount`: the path the support router is nested under, e.g. `/support`. */
  constructor(mount) {
    this.base = String(mount || '').replace(/\/+$/, '');
    /** Called with the ApiError of any 401, so the app can show the login form. */
    this.onUnauthorized = null;
  }

  async request(method, path, body, { quiet401 = false } = {}) {
    const init = {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { Accept: 'application/json' },
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(this.base + path, init);
    } catch (err) {
      throw new ApiError(0, null, err && err.message ? err.message : 'network error');
    }
    if (response.status === 204) return null;
    let data = null;
    const type = response.headers.get('Content-Type') || '';
    if (type.includes('json')) {
      try {
        data = await response.json();
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const error = new ApiError(response.status, data, summarize(data) || `HTTP ${response.status}`);
      if (response.status === 401 && !quiet401 && this.onUnauthorized) this.onUnauthorized(error);
      throw error;
    }
    return data;
  }

  // ---- auth ----
  me() {
    return this.request('GET', '/auth/me/', undefined, { quiet401: true });
  }
  login(username, password) {
    return this.request('POST', '/auth/login/', { username, password }, { quiet401: true });
  }
  logout() {
    return this.request('POST', '/auth/logout/', undefined, { quiet401: true });
  }

  // ---- tickets ----
  /** `filter`: query parameters (`resolved`, `manager`, `manager__isnull`). */
  async tickets(filter, limit = 50, offset = 0) {
    const query = new URLSearchParams({ ...filter, limit: String(limit), offset: String(offset) });
    return page(await this.request('GET', `/tickets/?${query}`));
  }
  ticket(id) {
    return this.request('GET', `/tickets/${encodeURIComponent(id)}/`);
  }
  setResolved(id, resolved) {
    return this.request('PATCH', `/tickets/${encodeURIComponent(id)}/`, { resolved });
  }

  // ---- messages ----
  /** A page of messages, newest first. */
  async messages(ticketId, limit = 30, offset = 0) {
    const query = new URLSearchParams({ limit: String(limit), offset: String(offset) });
    return page(await this.request('GET', `/tickets/${encodeURIComponent(ticketId)}/messages/?${query}`));
  }
  sendMessage(ticketId, text) {
    return this.request('POST', `/tickets/${encodeURIComponent(ticketId)}/messages/`, { text });
  }
  /** Asks for a failed reply to be delivered again (extension); answers the message, pending. */
  retryDelivery(ticketId, messageId) {
    const path = `/tickets/${encodeURIComponent(ticketId)}/messages/${encodeURIComponent(messageId)}/retry/`;
    return this.request('POST', path);
  }
}
