// The log-in session: who is logged in, what they may do, and the CSRF token
// every change needs. Django rotates the token at log-in and drops it at
// log-out, so it is fetched when first needed and again after each.
import { parseValidationErrors } from './api.js';
import { MESSAGES, duration, failureMessage, isUnsafe, send } from './http.js';

export const AUTH = {
  csrf: '/api/auth/csrf/',
  login: '/api/auth/login/',
  logout: '/api/auth/logout/',
  me: '/api/auth/me/',
  password: '/api/auth/password/',
};

// The password form's fields, as the API names them.
export const PASSWORD_FIELDS = ['old_password', 'new_password'];

// Django's model permissions on customers, as /api/auth/me/ lists them.
export const PERMISSIONS = {
  view: 'customers.view_customer',
  add: 'customers.add_customer',
  change: 'customers.change_customer',
  delete: 'customers.delete_customer',
};

export const LOGIN_MESSAGES = {
  invalid: 'Invalid username or password.',
  missing: 'Enter your username and password.',
  locked: 'Too many failed log-ins. Please wait and try again later.',
  loggedOut: 'You have logged out.',
  passwordChanged: 'Your password has been changed.',  // pragma: allowlist secret
};

function strings(value) {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** The user from a /api/auth/me/ (or log-in) answer, or null if it is not one. */
export function readMe(body) {
  if (body === null || typeof body !== 'object') {
    return null;
  }
  const { username, groups, permissions } = body;
  if (typeof username !== 'string' || username === '' || !strings(groups)) {
    return null;
  }
  if (!strings(permissions)) {
    return null;
  }
  return { username, groups: [...groups], permissions: [...permissions] };
}

/** What `me` may do with customers; nothing at all when nobody is logged in. */
export function permissionsOf(me) {
  const granted = new Set(me?.permissions ?? []);
  return Object.fromEntries(
    Object.entries(PERMISSIONS).map(([action, codename]) => [action, granted.has(codename)]),
  );
}

/** "ada (customer editors)": the name and groups the header shows. */
export function userLabel(me) {
  if (!me) {
    return '';
  }
  return me.groups.length > 0 ? `${me.username} (${me.groups.join(', ')})` : me.username;
}

/** Why a log-in failed, in words, from its answer. */
export function loginFailure(result) {
  if (result.kind === 'invalid') {
    return LOGIN_MESSAGES.invalid;
  }
  if (result.kind === 'rate-limited') {
    return result.retryAfter === null
      ? LOGIN_MESSAGES.locked
      : `Too many failed log-ins. Please try again in ${duration(result.retryAfter)}.`;
  }
  if (result.kind === 'network') {
    return MESSAGES.network;
  }
  return MESSAGES.generic;
}

/**
 * The session as the page uses it. `request(url, options)` sends any API
 * request with the CSRF token (fetching it first if need be, and once more
 * if Django refused it as stale); a 403 is checked against /api/auth/me/, so
 * that a session that ended reads 'signed-out' and a refusal carries the
 * user's current permissions (`me`).
 */
export function createSession(fetchImpl) {
  let token = '';

  async function refreshToken() {
    token = '';
    const result = await send(fetchImpl, AUTH.csrf);
    const fresh = result.body?.csrfToken;
    if (result.ok && typeof fresh === 'string' && fresh !== '') {
      token = fresh;
      return result;
    }
    return result.ok ? { ...result, ok: false, kind: 'error' } : result;
  }

  // With the token, retried once with a fresh one if Django calls it stale.
  async function withToken(url, options) {
    const unsafe = isUnsafe(options.method ?? 'GET');
    if (unsafe && token === '') {
      const fetched = await refreshToken();
      if (!fetched.ok) {
        return fetched;
      }
    }
    let result = await send(fetchImpl, url, { ...options, csrfToken: token });
    if (result.kind === 'csrf') {
      const fetched = await refreshToken();
      if (!fetched.ok) {
        return fetched;
      }
      result = await send(fetchImpl, url, { ...options, csrfToken: token });
    }
    return result;
  }

  async function me() {
    const result = await send(fetchImpl, AUTH.me);
    const user = result.ok ? readMe(result.body) : null;
    if (user) {
      return { ok: true, me: user };
    }
    const signedOut = result.status === 401 || result.status === 403;
    return { ...result, ok: false, kind: signedOut ? 'signed-out' : (result.kind ?? 'error') };
  }

  async function request(url, options = {}) {
    const result = await withToken(url, options);
    if (result.kind !== 'forbidden') {
      return result;
    }
    const current = await me();
    if (current.ok) {
      return { ...result, me: current.me };
    }
    return current.kind === 'signed-out' ? { ...result, kind: 'signed-out' } : result;
  }

  async function login(username, password) {
    const name = String(username ?? '').trim();
    if (name === '' || !password) {
      return { ok: false, kind: 'missing', message: LOGIN_MESSAGES.missing };
    }
    const result = await withToken(AUTH.login, {
      method: 'POST',
      body: { username: name, password: String(password) },
    });
    const user = result.ok ? readMe(result.body) : null;
    if (!user) {
      const failed = result.ok ? { ...result, kind: 'error' } : result;
      return { ...failed, ok: false, message: loginFailure(failed) };
    }
    // The session id and the token rotate at log-in: the old token is void.
    const fresh = result.body.csrfToken;
    if (typeof fresh === 'string' && fresh !== '') {
      token = fresh;
    } else {
      await refreshToken();
    }
    return { ok: true, me: user };
  }

  async function logout() {
    const result = await withToken(AUTH.logout, { method: 'POST' });
    token = '';
    // A session that had already ended is logged out too.
    if (result.ok || result.kind === 'signed-out' || result.kind === 'forbidden') {
      return { ok: true };
    }
    return { ...result, ok: false };
  }

  /**
   * Change the logged-in user's password: `{ok: true}`, or a failure with
   * Django's reasons per field (`fields`) and for the form (`general`).
   */
  async function changePassword(values) {
    const body = Object.fromEntries(PASSWORD_FIELDS.map((f) => [f, String(values[f] ?? '')]));
    const result = await request(AUTH.password, { method: 'POST', body });
    if (result.ok) {
      return { ok: true };
    }
    if (result.kind === 'invalid') {
      return { ok: false, kind: 'invalid', ...parseValidationErrors(result.body, PASSWORD_FIELDS) };
    }
    const general = [failureMessage(result.kind, result)];
    const failed = { ok: false, kind: result.kind, fields: {}, general };
    return result.me ? { ...failed, me: result.me } : failed;
  }

  return { request, me, login, logout, changePassword };
}
