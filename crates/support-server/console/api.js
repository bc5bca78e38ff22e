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

/**
 * The message of a refused upload: the `file` field's errors as they are (the only field), else
 * what `summarize` makes of the body.
 */
export function uploadProblem(body) {
  if (body && typeof body === 'object' && Array.isArray(body.file)) return body.file.join(' ');
  return summarize(body);
}

/** An upload the manager cancelled (rejects the promise of `Api.upload`). */
export class UploadAborted extends Error {
  constructor() {
    super('upload cancelled');
    this.name = 'UploadAborted';
  }
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
  /** A Telegram user's tickets (the contact panel): `GET tickets/?user_id=N&limit=20`. */
  async userTickets(telegramId, limit = 20) {
    const query = new URLSearchParams({ user_id: String(telegramId), limit: String(limit) });
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
  /** A reply over REST; `uploads`: ids of uploaded attachments (sent only when there are some). */
  sendMessage(ticketId, text, uploads = []) {
    const body = { text };
    if (uploads.length) body.attachments = uploads.map((id) => ({ upload: id }));
    return this.request('POST', `/tickets/${encodeURIComponent(ticketId)}/messages/`, body);
  }
  // ---- attachments ----
  /**
   * Uploads one file (`name`: the file name to give it, else its own) as multipart/form-data.
   * XMLHttpRequest rather than fetch, for the progress: `onProgress(fraction)` (0…1) as the body
   * goes out. Returns `{ promise, abort }`: the promise resolves with the attachment the server
   * stored and rejects with an ApiError (the `file` field's errors as its message) or, after
   * `abort()`, an UploadAborted.
   */
  upload(file, { name, onProgress } = {}) {
    const xhr = new XMLHttpRequest();
    const promise = new Promise((resolve, reject) => {
      xhr.open('POST', `${this.base}/attachments/`);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.addEventListener('progress', (event) => {
        if (event.lengthComputable && event.total > 0 && onProgress) onProgress(event.loaded / event.total);
      });
      xhr.addEventListener('load', () => {
        let data = null;
        if ((xhr.getResponseHeader('Content-Type') || '').includes('json')) {
          try {
            data = JSON.parse(xhr.responseText);
          } catch {
            data = null;
          }
        }
        if (xhr.status >= 200 && xhr.status < 300 && data && typeof data === 'object') {
          resolve(data);
          return;
        }
        const status = xhr.status >= 200 && xhr.status < 300 ? 502 : xhr.status;
        const error = new ApiError(status, data, uploadProblem(data) || `HTTP ${status}`);
        if (status === 401 && this.onUnauthorized) this.onUnauthorized(error);
        reject(error);
      });
      xhr.addEventListener('error', () => reject(new ApiError(0, null, 'network error')));
      xhr.addEventListener('abort', () => reject(new UploadAborted()));
      const form = new FormData();
      form.append('file', file, name || file.name);
      xhr.send(form);
    });
    return { promise, abort: () => xhr.abort() };
  }

  // ---- notes and canned replies (design17b §4) ----
  /** A ticket's internal notes, oldest first. */
  async notes(ticketId) {
    const body = await this.request('GET', `/tickets/${encodeURIComponent(ticketId)}/notes/`);
    return Array.isArray(body) ? body : page(body).results;
  }
  /** Writes a note (only managers see it); answers the note. */
  addNote(ticketId, text) {
    return this.request('POST', `/tickets/${encodeURIComponent(ticketId)}/notes/`, { text });
  }
  /** The team's canned replies, by title. */
  async canned() {
    const body = await this.request('GET', '/canned/');
    return Array.isArray(body) ? body : page(body).results;
  }
  addCanned(reply) {
    return this.request('POST', '/canned/', reply);
  }
  /** `fields`: `title` and/or `text`. */
  editCanned(id, fields) {
    return this.request('PATCH', `/canned/${encodeURIComponent(id)}/`, fields);
  }
  deleteCanned(id) {
    return this.request('DELETE', `/canned/${encodeURIComponent(id)}/`);
  }

  /** Asks for a failed reply to be delivered again (extension); answers the message, pending. */
  retryDelivery(ticketId, messageId) {
    const path = `/tickets/${encodeURIComponent(ticketId)}/messages/${encodeURIComponent(messageId)}/retry/`;
    return this.request('POST', path);
  }
}
