// The backend as the page sees it, for the tests: Django's CSRF token (which
// rotates at log-in and dies at log-out), allauth's headless answers for
// log-in, the second factor, reauthentication, password change and reset,
// and our /api/auth/me/. Loaded by the tests, it defines none itself.
import { ALLAUTH } from '../src/allauth.js';
import { AUTH, PERMISSIONS } from '../src/session.js';

export const EDITOR = {
  username: 'ada',
  groups: ['customer editors'],
  permissions: [PERMISSIONS.add, PERMISSIONS.change, PERMISSIONS.view],
  secondFactor: { required: false, enrolled: false },
};

export const TOTP_CODE = '123456';
export const RECOVERY_CODE = '87654321';
export const SECRET = 'JBSWY3DPEHPK3PXP';  // pragma: allowlist secret
export const RESET_KEY = '2-dj73zh-59a9c56eff1c1ec341e3c019aba7be6b';

export function json(status, body, headers = {}) {
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

function errors(status, ...list) {
  return json(status, { status, errors: list });
}

/**
 * A fake backend; `api.fetch` is its fetch. Only 'ada' exists, password
 * 'right'; with `totp: true` she has an authenticator app. `lockedFor`
 * makes every log-in a 429 with that Retry-After.
 */
export function fakeApi({ totp = false, lockedFor = null, anonymousStatus = 403 } = {}) {
  const api = {
    calls: [],
    token: null,
    issued: 0,
    user: null,
    pending: false,
    reauthenticated: false,
    totp,
    codesViewed: false,
    permissions: EDITOR.permissions,
    secondFactor: { required: false, enrolled: totp },
  };
  const newToken = () => {
    api.issued += 1;
    api.token = `token-${api.issued}`;
    return api.token;
  };
  const anonymous = () =>
    json(anonymousStatus, { detail: 'Authentication credentials were not provided.' });
  const loggedOut = () =>
    json(401, {
      status: 401,
      data: { flows: [{ id: 'login' }] },
      meta: { is_authenticated: false },
    });
  const authenticated = () => {
    api.user = { username: 'ada' };
    newToken();
    return json(200, {
      status: 200,
      data: { user: { username: 'ada' } },
      meta: { is_authenticated: true },
    });
  };
  const reauthenticate = () =>
    json(401, {
      status: 401,
      data: { flows: [{ id: 'reauthenticate' }] },
      meta: { is_authenticated: true },
    });
  const routes = {
    [`GET ${AUTH.csrf}`]: () => json(200, { csrfToken: api.token ?? newToken() }),
    [`GET ${AUTH.me}`]: () =>
      api.user
        ? json(200, {
            username: EDITOR.username,
            groups: EDITOR.groups,
            permissions: api.permissions,
            second_factor: api.secondFactor,
          })
        : anonymous(),
    [`POST ${ALLAUTH.login}`]: ({ username, password }) => {
      if (lockedFor !== null) {
        return json(429, { detail: 'Locked.' }, { 'Retry-After': String(lockedFor) });
      }
      if (api.user) {
        return json(409, { status: 409 });
      }
      if (username !== 'ada' || password !== 'right') {  // pragma: allowlist secret
        // pragma: allowlist secret
        return errors(400, {
          message: 'The username and/or password you specified are not correct.',
          code: 'username_password_mismatch',
          param: 'password',
        });
      }
      if (api.totp) {
        api.pending = true;
        const flows = [
          { id: 'login' },
          { id: 'mfa_authenticate', is_pending: true, types: ['totp'] },
        ];
        return json(401, { status: 401, data: { flows }, meta: { is_authenticated: false } });
      }
      return authenticated();
    },
    [`POST ${ALLAUTH.secondFactor}`]: ({ code }) => {
      if (!api.pending) {
        return loggedOut();
      }
      if (code === 'too-many') {
        return errors(400, {
          message: 'Too many failed login attempts. Try again later.',
          code: 'too_many_login_attempts',
          param: 'code',
        });
      }
      if (code !== TOTP_CODE && code !== RECOVERY_CODE) {
        return errors(400, { message: 'Incorrect code.', code: 'incorrect_code', param: 'code' });
      }
      api.pending = false;
      return authenticated();
    },
    [`DELETE ${ALLAUTH.session}`]: () => {
      api.user = null;
      api.token = null;
      return loggedOut();
    },
    [`POST ${ALLAUTH.reauthenticate}`]: ({ password }) => {
      if (password !== 'right') {  // pragma: allowlist secret
        // pragma: allowlist secret
        return errors(400, {
          message: 'Incorrect password.',
          code: 'incorrect_password',
          param: 'password',
        });
      }
      api.reauthenticated = true;
      return json(200, {
        status: 200,
        data: { user: { username: 'ada' } },
        meta: { is_authenticated: true },
      });
    },
    [`POST ${ALLAUTH.passwordChange}`]: ({ current_password: current, new_password: fresh }) => {
      if (current !== 'right') {
        // pragma: allowlist secret
        return errors(400, {
          message: 'Please type your current password.',
          code: 'enter_current_password',
          param: 'current_password',
        });
      }
      if (fresh.length < 12) {
        return errors(
          400,
          {
            message: 'This password is too short.',
            code: 'password_too_short',
            param: 'new_password',
          },
          {
            message: 'This password is too common.',
            code: 'password_too_common',
            param: 'new_password',
          },
        );
      }
      return json(200, { status: 200, data: { user: { username: 'ada' } } });
    },
    [`POST ${ALLAUTH.passwordRequest}`]: () => json(200, { status: 200 }),
    [`POST ${ALLAUTH.passwordReset}`]: ({ key, password }) => {
      if (key !== RESET_KEY) {
        return errors(400, {
          message: 'The password reset token was invalid.',
          code: 'invalid_password_reset',
          param: 'key',
        });
      }
      if (password.length < 12) {
        return errors(400, {
          message: 'This password is too short.',
          code: 'password_too_short',
          param: 'password',
        });
      }
      return loggedOut();
    },
    [`GET ${ALLAUTH.authenticators}`]: () => {
      const data = api.totp
        ? [
            { type: 'totp', created_at: 1, last_used_at: null },
            { type: 'recovery_codes', created_at: 1, total_code_count: 10, unused_code_count: 9 },
          ]
        : [];
      return json(200, { status: 200, data });
    },
    [`GET ${ALLAUTH.totp}`]: () =>
      api.totp
        ? json(200, { status: 200, data: { type: 'totp' } })
        : json(404, {
            status: 404,
            meta: { secret: SECRET, totp_url: `otpauth://totp/ada?secret=${SECRET}&issuer=Test` },
          }),
    [`POST ${ALLAUTH.totp}`]: ({ code }) => {
      if (!api.reauthenticated) {
        return reauthenticate();
      }
      if (code !== TOTP_CODE) {
        return errors(400, { message: 'Incorrect code.', code: 'incorrect_code', param: 'code' });
      }
      api.totp = true;
      api.secondFactor = { ...api.secondFactor, enrolled: true };
      return json(200, { status: 200, data: { type: 'totp' } });
    },
    [`DELETE ${ALLAUTH.totp}`]: () => {
      if (!api.reauthenticated) {
        return reauthenticate();
      }
      api.totp = false;
      return json(200, { status: 200 });
    },
    [`GET ${ALLAUTH.recoveryCodes}`]: () => {
      if (!api.totp) {
        return json(404, { status: 404 });
      }
      if (!api.reauthenticated) {
        return reauthenticate();
      }
      const data = { type: 'recovery_codes', total_code_count: 2, unused_code_count: 2 };
      const shown = api.codesViewed ? data : { ...data, unused_codes: [RECOVERY_CODE, '11112222'] };
      api.codesViewed = true;
      return json(200, { status: 200, data: shown });
    },
    [`POST ${ALLAUTH.recoveryCodes}`]: () => {
      if (!api.reauthenticated) {
        return reauthenticate();
      }
      return json(200, {
        status: 200,
        data: { type: 'recovery_codes', unused_codes: ['33334444'] },
      });
    },
  };

  api.fetch = async (url, options) => {
    const method = options.method ?? 'GET';
    const sent = options.headers['X-CSRFToken'];
    api.calls.push(`${method} ${url}${sent ? ` [${sent}]` : ''}`);
    if (method !== 'GET' && (sent === undefined || sent !== api.token)) {
      return json(403, { detail: 'CSRF Failed: CSRF token from the header incorrect.' });
    }
    const body = options.body === undefined ? {} : JSON.parse(options.body);
    const route = routes[`${method} ${url}`];
    if (route) {
      // allauth's account endpoints need a logged-in user; its auth ones do not.
      return url.includes('/v1/account/') && !api.user ? loggedOut() : route(body);
    }
    if (!api.user) {
      return anonymous();
    }
    if (api.secondFactor.required && !api.secondFactor.enrolled) {
      return json(403, { detail: 'Set up a second factor first.', code: 'second_factor_required' });
    }
    if (method === 'POST' && !api.permissions.includes(PERMISSIONS.add)) {
      return json(403, { detail: 'You do not have permission to perform this action.' });
    }
    return json(method === 'POST' ? 201 : 200, { id: 1 });
  };
  return api;
}
