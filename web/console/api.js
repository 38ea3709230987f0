// The REST API as the console uses it: every call carries the key from sessionStorage as
// X-API-Key; errors become ApiError with the problem+json body (status, detail, errors[]).
// A 401 or 403 calls the handler set by onAuthFailure, which signs the user out with the reason.

const KEY_NAME = 'etp.apiKey';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.errors = Array.isArray(problem && problem.errors) ? problem.errors : [];
  }
}

let authFailure = () => {};
export function onAuthFailure(handler) { authFailure = handler; }

export const session = {
  key: () => sessionStorage.getItem(KEY_NAME),
  set: (key) => sessionStorage.setItem(KEY_NAME, key),
  clear: () => sessionStorage.removeItem(KEY_NAME),
};

// method, path under /api/v1, optional JSON body (a value, or raw text with {raw: true}).
export async function api(method, path, body, options = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  const key = options.key ?? session.key();
  if (key) headers['X-API-Key'] = key;
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = options.raw ? body : JSON.stringify(body);
  }
  const res = await fetch('/api/v1' + path, init);
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { detail: text }; }
  }
  if (!res.ok) {
    const error = new ApiError(res.status, data || { title: res.statusText });
    if ((res.status === 401 || res.status === 403) && !options.noAuthRedirect) authFailure(error);
    throw error;
  }
  return data;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

// What a key's scopes allow (admin holds every scope; write includes read).
export function abilities(scopes) {
  const has = (s) => scopes.includes(s) || scopes.includes('admin');
  return {
    read: has('read') || has('write'),
    write: has('write'),
    fire: has('fire'),
    admin: scopes.includes('admin'),
  };
}
