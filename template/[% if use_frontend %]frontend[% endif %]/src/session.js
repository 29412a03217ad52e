// The log-in session: who is logged in, what they may do, and the CSRF token
// every change needs. Log-in, log-out and the password go through allauth
// (allauth.js); who is logged in and their permissions come from our own
// /api/auth/me/. Django rotates the CSRF token at log-in and drops it at
// log-out, so it is fetched when first needed and again after each.
import { ALLAUTH, asksReauthentication, errorCodes, parseErrors, pendingFlow } from './allauth.js';
import { MESSAGES, duration, failureMessage, isUnsafe, send } from './http.js';

export const AUTH = {
  csrf: '/api/auth/csrf/',
  me: '/api/auth/me/',
};

// The password form's fields, as the API names them.
export const PASSWORD_FIELDS = ['current_password', 'new_password'];

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
  code: 'Enter the code from your authenticator app, or a recovery code.',
  wrongCode: 'That code is not correct. Enter the current code, or a recovery code.',
  codeExpired: 'The log-in took too long. Please enter your username and password again.',
  wrongPassword: 'That password is not correct.',  // pragma: allowlist secret
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
  const factor = body.second_factor;
  const secondFactor = {
    required: factor?.required === true,
    enrolled: factor?.enrolled === true,
  };
  return { username, groups: [...groups], permissions: [...permissions], secondFactor };
}

/** Whether `me` must set up a second factor before the API lets them in. */
export function mustEnrol(me) {
  return Boolean(me?.secondFactor.required && !me.secondFactor.enrolled);
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

// allauth says "too many attempts" with a 400 of its own (for codes); the
// page treats it as the rate limit it is.
function withLimits(result) {
  if (result.kind === 'invalid' && errorCodes(result.body).includes('too_many_login_attempts')) {
    return { ...result, kind: 'rate-limited' };
  }
  return result;
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

  // A log-in step's answer: logged in (with who, from /api/auth/me/), a
  // second factor still to give, or why not.
  async function loggedIn(result) {
    if (result.ok || result.kind === 'conflict') {
      // The session id and the token rotate at log-in: the old token is void.
      // (409: this browser was logged in already, e.g. from another tab.)
      token = '';
      const current = await me();
      if (current.ok) {
        return current;
      }
      return { ...current, ok: false, message: loginFailure(current) };
    }
    if (result.status === 401 && pendingFlow(result.body) === 'mfa_authenticate') {
      return { ok: false, kind: 'second-factor', message: LOGIN_MESSAGES.code };
    }
    const failed = withLimits(result);
    return { ...failed, ok: false, message: loginFailure(failed) };
  }

  async function login(username, password) {
    const name = String(username ?? '').trim();
    if (name === '' || !password) {
      return { ok: false, kind: 'missing', message: LOGIN_MESSAGES.missing };
    }
    const result = await withToken(ALLAUTH.login, {
      method: 'POST',
      body: { username: name, password: String(password) },
    });
    return loggedIn(result);
  }

  /** The second step of a log-in: a code from the app, or a recovery code. */
  async function secondFactor(code) {
    const typed = String(code ?? '').replace(/\s+/g, '');
    if (typed === '') {
      return { ok: false, kind: 'missing', message: LOGIN_MESSAGES.code };
    }
    const result = await withToken(ALLAUTH.secondFactor, { method: 'POST', body: { code: typed } });
    if (result.status === 401) {
      // The pending log-in is gone (it lasts minutes): start again.
      return { ...result, ok: false, kind: 'expired', message: LOGIN_MESSAGES.codeExpired };
    }
    const outcome = await loggedIn(result);
    if (outcome.kind === 'invalid') {
      return { ...outcome, message: LOGIN_MESSAGES.wrongCode };
    }
    return outcome;
  }

  /** Confirm the logged-in user's password, as allauth asks before a security change. */
  async function reauthenticate(password) {
    if (!password) {
      return { ok: false, kind: 'missing', fields: {}, general: [LOGIN_MESSAGES.wrongPassword] };
    }
    const result = withLimits(
      await request(ALLAUTH.reauthenticate, { method: 'POST', body: { password } }),
    );
    if (result.ok) {
      return { ok: true };
    }
    if (result.kind === 'invalid') {
      return { ok: false, kind: 'invalid', ...parseErrors(result.body, ['password']) };
    }
    return {
      ok: false,
      kind: result.kind,
      fields: {},
      general: [failureMessage(result.kind, result)],
    };
  }

  async function logout() {
    const result = await withToken(ALLAUTH.session, { method: 'DELETE' });
    token = '';
    // allauth answers a log-out with 401 (nobody is logged in now); a
    // session that had already ended is logged out too.
    if (result.ok || result.kind === 'signed-out' || result.kind === 'forbidden') {
      return { ok: true };
    }
    return { ...result, ok: false };
  }

  /**
   * Change the logged-in user's password: `{ok: true}`, or a failure with
   * the reasons per field (`fields`) and for the form (`general`).
   */
  async function changePassword(values) {
    const body = Object.fromEntries(PASSWORD_FIELDS.map((f) => [f, String(values[f] ?? '')]));
    const result = withLimits(await request(ALLAUTH.passwordChange, { method: 'POST', body }));
    if (result.ok) {
      return { ok: true };
    }
    if (result.kind === 'invalid') {
      return { ok: false, kind: 'invalid', ...parseErrors(result.body, PASSWORD_FIELDS) };
    }
    const general = [failureMessage(result.kind, result)];
    const failed = { ok: false, kind: result.kind, fields: {}, general };
    return result.me ? { ...failed, me: result.me } : failed;
  }

  return { request, me, login, secondFactor, reauthenticate, logout, changePassword };
}
