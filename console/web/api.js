// The API with the signed-in token. The token lives in sessionStorage (this tab only, gone
// when it closes), never in localStorage, a cookie or a URL: it goes out only as the
// Authorization header of the API's own requests.
const KEY = 'iwd.token';

export const session = {
  token: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;  // 0: no answer (the service is down or restarting)
    this.code = code;
  }
}

// A GET of the API: the JSON body, or an ApiError with the API's own message.
export async function api(path, {token = session.token(), signal} = {}) {
  let res;
  try {
    res = await fetch(path, {headers: token ? {Authorization: `Bearer ${token}`} : {}, signal, cache: 'no-store'});
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'unreachable', 'The service did not answer. It may be restarting.');
  }
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  if (!res.ok) {
    const err = body && body.error ? body.error : {code: 'http_' + res.status, message: res.statusText};
    throw new ApiError(res.status, err.code, err.message);
  }
  return body;
}

// A query string from an object, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}
