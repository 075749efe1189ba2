// The API with the signed-in token. The token lives in sessionStorage (this tab only, gone
// when it closes), never in localStorage, a cookie or a URL: it goes out only as the
// Authorization header of the API's own requests.
// A workspace's console (/v1/workspaces/{ws}/ui/) reads that workspace's API, at its base, and
// keeps its token apart (a token opens one workspace).
const base = (location.pathname.match(/^\/v1\/workspaces\/[a-z0-9][a-z0-9-]*(?=\/ui\/)/) || [''])[0];
const KEY = base ? 'iwd.token:' + base : 'iwd.token';
// The workspace this console is for (null: the default workspace's console at /ui/).
export const workspace = base ? base.split('/')[3] : null;
// The API's path in this workspace: `/v1/items` is `/v1/workspaces/{ws}/items` there.
const apiPath = (path) => !base ? path : base + (path.startsWith('/v1/') ? path.slice(3) : path);

export const session = {
  token: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    this.status = status;  // 0: no answer (the service is down or restarting)
    this.code = code;
    this.details = details;  // the API's whole error object (an upload's diagnostics, a reload's problems)
  }
}

// A GET of the API: the JSON body, or an ApiError with the API's own message.
export function api(path, {token = session.token(), signal} = {}) {
  return request(path, {token, signal});
}

// Any request of the API: `body` (text) sent with `method`; `accept: 'text/csv'` answers the
// text itself (a report's CSV), else the JSON body. A refusal is an ApiError.
export async function request(path, {method = 'GET', body, type, accept, token = session.token(), signal} = {}) {
  const headers = token ? {Authorization: `Bearer ${token}`} : {};
  if (accept) headers.Accept = accept;
  if (body !== undefined) headers['Content-Type'] = type || 'text/plain; charset=utf-8';
  let res;
  try {
    res = await fetch(apiPath(path), {method, headers, body, signal, cache: 'no-store'});
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'unreachable', 'The service did not answer. It may be restarting.');
  }
  if (res.ok && accept && accept !== 'application/json') return res.text();
  let json = null;
  try { json = await res.json(); } catch { json = null; }
  if (!res.ok) {
    const err = json && json.error ? json.error : {code: 'http_' + res.status, message: res.statusText};
    throw new ApiError(res.status, err.code, err.message, err);
  }
  return json;
}

// A change: `json` as the request's JSON body (the API refuses JSON sent as text: 415).
export function send(path, json = {}, {method = 'POST'} = {}) {
  return request(path, {method, body: JSON.stringify(json), type: 'application/json'});
}

// A query string from an object, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}
