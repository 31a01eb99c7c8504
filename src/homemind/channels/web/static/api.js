// Every request the dashboard makes goes through this module: same-origin cookies, the
// CSRF header when the hub has set its cookie, and one place that turns a 401 into the
// login view. The HTTP API is the only source of truth; nothing here caches state.

// PHASE 2 (issue 6): the cookie the hub's session login sets, whose value is echoed in
// the header on every request that changes something. Until then no cookie is present
// and no header is sent.
export const CSRF_COOKIE = 'homemind_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
    this.body = body;
  }
}

export class Unauthorized extends ApiError {}

const unauthorizedListeners = new Set();

/** Call `listener` whenever the hub answers 401; returns a function that stops it. */
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function readCookie(name) {
  for (const part of document.cookie ? document.cookie.split('; ') : []) {
    const at = part.indexOf('=');
    if (part.slice(0, at) === name) return decodeURIComponent(part.slice(at + 1));
  }
  return null;
}

function detailOf(body) {
  if (body && typeof body.detail === 'string') return body.detail;
  if (body && Array.isArray(body.detail)) return body.detail.map((e) => e.msg).join('; ');
  return null;
}

/** One request: resolves to {status, ok, data}; rejects on 401 (Unauthorized) or no connection. */
export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = readCookie(CSRF_COOKIE);
  if (token) headers[CSRF_HEADER] = token;
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, null, null);
  }
  const data = await response.json().catch(() => null);
  if (response.status === 401) {
    for (const listener of unauthorizedListeners) listener();
    throw new Unauthorized(401, detailOf(data), data);
  }
  return { status: response.status, ok: response.ok, data, detail: detailOf(data) };
}

async function ok(promise) {
  const result = await promise;
  if (!result.ok) throw new ApiError(result.status, result.detail, result.data);
  return result.data;
}

export const api = {
  me: () => ok(request('GET', '/api/me')),
  areas: () => ok(request('GET', '/api/areas')),
  entities: () => ok(request('GET', '/api/entities')),
  converse: (text, { conversationId = null, language = null } = {}) =>
    ok(request('POST', '/api/conversation', { text, conversation_id: conversationId, language })),
  /** A service call; the raw result, because 409 (needs confirmation) is an answer, not a failure. */
  callService: (service, entityId, data = {}, confirm = false) =>
    request('POST', `/api/services/${encodeURIComponent(service)}`, { entity_id: entityId, data, confirm }),

  async login(username, password) {
    // ===== PHASE 2 (issue 6): the login call goes here. =====
    // POST the member's name and password to the hub's login endpoint through
    // request(); the hub answers with a session cookie and the CSRF cookie above.
    // Until that endpoint exists there is nothing to log in to.
    void username;
    void password;
    throw new ApiError(501, null, null);
  },

  // PHASE 2 (issue 3): lists, timers, alarms, reminders, calendar, approvals.
  // PHASE 2 (issue 6): logout, members, audit log.
};

/**
 * Follow the hub's live stream. `ready` fires on every (re)connection (the caller
 * re-reads what it may have missed), `change` on every state_changed event.
 * Returns a function that stops following.
 */
export function subscribe({ ready, change, down }) {
  let source = null;
  let stopped = false;
  let retry = null;
  const open = () => {
    source = new EventSource('/api/events', { withCredentials: true });
    source.addEventListener('ready', () => ready && ready());
    source.addEventListener('state_changed', (event) => change && change(JSON.parse(event.data)));
    source.onerror = () => {
      if (down) down();
      if (source.readyState === EventSource.CLOSED && !stopped) {
        // The browser gave up (the hub refused the stream, e.g. 401): ask who we are,
        // which shows the login view if that is the reason, and try again later.
        retry = setTimeout(() => {
          api.me().catch(() => {});
          if (!stopped) open();
        }, 3000);
      }
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(retry);
    if (source) source.close();
  };
}
