// Every request the dashboard makes goes through this module: same-origin cookies, the
// session's CSRF token on every request, and one place that turns a 401 into the login
// view. The HTTP API is the only source of truth; nothing here caches state.

// The session cookie (homemind_session) is HttpOnly: scripts never see it. Its CSRF
// token comes in the body of POST /api/login and of GET /api/me (so a reloaded page
// gets it back) and is kept only in this module's memory.
export const CSRF_HEADER = 'X-CSRF-Token';
let csrfToken = null;

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

function detailOf(body) {
  if (body && typeof body.detail === 'string') return body.detail;
  if (body && Array.isArray(body.detail)) return body.detail.map((e) => e.msg).join('; ');
  return null;
}

const SAFE = new Set(['GET', 'HEAD']);
const path = (...parts) => parts.map((part) => encodeURIComponent(part)).join('/');

/**
 * One request: resolves to {status, ok, data}; rejects on 401 (Unauthorized) or no connection.
 * A Blob body (a recording) is sent as it is, with its own type; anything else as JSON.
 */
export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const raw = body instanceof Blob;
  if (body !== undefined) headers['Content-Type'] = raw ? body.type || 'application/octet-stream' : 'application/json';
  if (csrfToken && !SAFE.has(method)) headers[CSRF_HEADER] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers,
      body: body === undefined || raw ? body : JSON.stringify(body),
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
  async me() {
    const who = await ok(request('GET', '/api/me'));
    csrfToken = who.csrf_token || null;
    return who;
  },
  areas: () => ok(request('GET', '/api/areas')),
  entities: () => ok(request('GET', '/api/entities')),
  converse: (text, { conversationId = null, language = null } = {}) =>
    ok(request('POST', '/api/conversation', { text, conversation_id: conversationId, language })),
  /** A spoken command (a WAV Blob): transcript, conversation result and reply_audio (base64 WAV). */
  voice: (wav, { conversationId = null } = {}) => {
    const query = conversationId ? `?conversation_id=${encodeURIComponent(conversationId)}` : '';
    return ok(request('POST', `/api/voice${query}`, wav));
  },
  /** A service call; the raw result, because 409 (held: confirm by id) is an answer, not a failure. */
  callService: (service, entityId, data = {}) =>
    request('POST', `/api/services/${encodeURIComponent(service)}`, { entity_id: entityId, data }),
  /** Confirm a held call, with the member's PIN (or the device's code) when it needs one; raw result. */
  confirm: (confirmationId, pin = null) =>
    request('POST', `/api/confirmations/${encodeURIComponent(confirmationId)}`, pin ? { pin } : {}),

  /** Log in; rejects with ApiError (401 wrong name or password, 429 too many tries). */
  async login(member, password) {
    let result;
    try {
      result = await request('POST', '/api/login', { member, password });
    } catch (error) {
      if (error instanceof Unauthorized) throw new ApiError(401, error.detail, error.body);
      throw error;
    }
    if (!result.ok) throw new ApiError(result.status, result.detail, result.data);
    csrfToken = result.data.csrf_token;
    return result.data;
  },
  async logout() {
    await request('POST', '/api/logout');
    csrfToken = null;
  },

  household: () => ok(request('GET', '/api/household')),
  notifications: () => ok(request('GET', '/api/notifications')),
  addItem: (list, item) => ok(request('POST', `/api/lists/${path(list)}/items`, { item })),
  /** change: 'complete' or 'remove'. */
  changeItem: (list, item, change) => ok(request('POST', `/api/lists/${path(list, 'items', change)}`, { item })),
  cancelTimer: (id) => ok(request('POST', `/api/timers/${path(id)}/cancel`)),
  deleteAlarm: (id) => ok(request('DELETE', `/api/alarms/${path(id)}`)),
  deleteReminder: (id) => ok(request('DELETE', `/api/reminders/${path(id)}`)),
  approvals: () => ok(request('GET', '/api/approvals')),
  /** decision: 'approve' or 'deny'. */
  decide: (orderId, decision) => ok(request('POST', `/api/approvals/${path(orderId, decision)}`)),
  documents: () => ok(request('GET', '/api/documents')),
  searchDocuments: (question, k = 5) =>
    ok(request('GET', `/api/documents/search?q=${encodeURIComponent(question)}&k=${k}`)),
  /** A picked File, sent as the body (its name in the query); `only` keeps it for this member. */
  addDocument: (file, only = false) =>
    ok(request('POST', `/api/documents?name=${encodeURIComponent(file.name)}&private=${only}`, file)),
  removeDocument: (id) => ok(request('DELETE', `/api/documents/${path(id)}`)),
  members: () => ok(request('GET', '/api/members')),
  /** Care: open incidents (all: recent closed ones too), answering one, who is looked after, a day. */
  careIncidents: (all = false) => ok(request('GET', `/api/care/incidents${all ? '?all=true' : ''}`)),
  /** action: 'ack', 'resolve' (body {false_alarm}) or 'cancel'. */
  careAct: (id, action, body) => ok(request('POST', `/api/care/incidents/${path(id, action)}`, body)),
  careMembers: () => ok(request('GET', '/api/care/members')),
  careSummary: (member) => ok(request('GET', `/api/care/summary/${path(member)}`)),
  audit: (limit = 100) => ok(request('GET', `/api/audit?limit=${limit}`)),
  weather: (language) => ok(request('GET', `/api/weather?lang=${encodeURIComponent(language)}`)),
  alerts: (language) => ok(request('GET', `/api/alerts?lang=${encodeURIComponent(language)}`)),
  energy: () => ok(request('GET', '/api/energy')),
  automations: () => ok(request('GET', '/api/automations')),
  /** Switch the automation itself on or off (never its devices). */
  switchAutomation: (id, enabled) => ok(request('POST', `/api/automations/${path(id, enabled ? 'enable' : 'disable')}`)),
  /** Remove one made by talking. */
  removeAutomation: (id) => ok(request('DELETE', `/api/automations/${path(id)}`)),
};

/**
 * Follow the hub's live stream. `ready` fires on every (re)connection (the caller
 * re-reads what it may have missed), `change` on every state_changed event,
 * `notification` on every notification the hub lets this member read, `household`
 * when lists, timers, orders... changed (the event names only the kind: re-read).
 * Returns a function that stops following.
 */
export function subscribe({ ready, change, notification, household, down }) {
  let source = null;
  let stopped = false;
  let retry = null;
  const open = () => {
    source = new EventSource('/api/events', { withCredentials: true });
    source.addEventListener('ready', () => ready && ready());
    source.addEventListener('state_changed', (event) => change && change(JSON.parse(event.data)));
    source.addEventListener('notification', (event) => notification && notification(JSON.parse(event.data)));
    source.addEventListener('household_changed', () => household && household());
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
