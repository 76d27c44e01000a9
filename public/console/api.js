// Same-origin JSON calls to the console and operator API. State-changing calls carry the CSRF value.

import { t } from '/console/i18n.js';

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body ?? null;
  }
}

let csrf = null;
let unauthorized = () => {};

export function setCsrf(value) {
  csrf = value ?? null;
}

/** Called once per 401 outside the login/session routes (the app goes back to its login screen). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

const QUIET_401 = new Set(['/console/login', '/console/session']);

export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (csrf) headers['X-Leadbot-CSRF'] = csrf;
    init.body = JSON.stringify(body ?? {});
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', t('networkError'));
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = data && typeof data === 'object' ? data.error : null;
    const code = typeof error?.code === 'string' ? error.code : `http_${response.status}`;
    const message =
      typeof error?.message === 'string' && error.message
        ? error.message
        : t('unexpectedError', { status: response.status });
    const failure = new ApiError(response.status, code, message, data);
    if (response.status === 401 && !QUIET_401.has(path)) unauthorized(failure);
    throw failure;
  }
  return data;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body);
export const patch = (path, body) => request('PATCH', path, body);

/** `/api/conversations/<id>/<action>` with the id encoded. */
export function conversationPath(id, action = '') {
  return `/api/conversations/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
}
