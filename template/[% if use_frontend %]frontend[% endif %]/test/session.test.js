import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MESSAGES } from '../src/http.js';
import {
  AUTH,
  LOGIN_MESSAGES,
  PERMISSIONS,
  createSession,
  permissionsOf,
  readMe,
  userLabel,
} from '../src/session.js';

const EDITOR = {
  username: 'ada',
  groups: ['customer editors'],
  permissions: [PERMISSIONS.add, PERMISSIONS.change, PERMISSIONS.view],
};

function json(status, body, headers = {}) {
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

// The API as Django answers it: a CSRF token that rotates at log-in and dies
// at log-out, a session, and model permissions on customers.
function fakeApi({ tokenInLogin = false, anonymousStatus = 403, lockedFor = null } = {}) {
  const api = { calls: [], token: null, issued: 0, user: null, permissions: EDITOR.permissions };
  const newToken = () => {
    api.issued += 1;
    api.token = `token-${api.issued}`;
    return api.token;
  };
  const anonymous = () =>
    json(anonymousStatus, { detail: 'Authentication credentials were not provided.' });
  api.fetch = async (url, options) => {
    const method = options.method ?? 'GET';
    const sent = options.headers['X-CSRFToken'];
    api.calls.push(`${method} ${url}${sent ? ` [${sent}]` : ''}`);
    if (method !== 'GET' && (sent === undefined || sent !== api.token)) {
      return json(403, { detail: 'CSRF Failed: CSRF token from the header incorrect.' });
    }
    if (url === AUTH.csrf) {
      return json(200, { csrfToken: api.token ?? newToken() });
    }
    if (url === AUTH.login) {
      const { username, password } = JSON.parse(options.body);
      if (lockedFor !== null) {
        return json(429, { detail: 'Locked.' }, { 'Retry-After': String(lockedFor) });
      }
      if (username !== 'ada' || password !== 'right') {  // pragma: allowlist secret
        return json(400, { detail: 'Invalid username or password.' });
      }
      api.user = { ...EDITOR, permissions: api.permissions };
      const rotated = newToken();
      return json(200, tokenInLogin ? { ...api.user, csrfToken: rotated } : api.user);
    }
    if (url === AUTH.logout) {
      if (!api.user) {
        return anonymous();
      }
      api.user = null;
      api.token = null;
      return new Response(null, { status: 204 });
    }
    if (url === AUTH.me) {
      return api.user ? json(200, api.user) : anonymous();
    }
    if (url === AUTH.password) {
      if (!api.user) {
        return anonymous();
      }
      const { old_password: old, new_password: fresh } = JSON.parse(options.body);
      if (old !== 'right') {
        return json(400, { old_password: ['The current password is not correct.'] });
      }
      if (fresh.length < 12) {
        return json(400, { new_password: ['This password is too short.', 'It is too common.'] });
      }
      return new Response(null, { status: 204 });
    }
    if (!api.user) {
      return anonymous();
    }
    if (method === 'POST' && !api.permissions.includes(PERMISSIONS.add)) {
      return json(403, { detail: 'You do not have permission to perform this action.' });
    }
    return json(method === 'POST' ? 201 : 200, { id: 1 });
  };
  return api;
}

describe('createSession: log-in and the CSRF token', () => {
  it('fetches a token to log in, then the rotated one for what follows', async () => {
    const api = fakeApi();
    const session = createSession(api.fetch);
    const result = await session.login(' ada ', 'right');
    assert.deepEqual(result, { ok: true, me: EDITOR });
    const created = await session.request('/api/customers/', { method: 'POST', body: {} });
    assert.equal(created.status, 201);
    assert.deepEqual(api.calls, [
      'GET /api/auth/csrf/',
      'POST /api/auth/login/ [token-1]',
      'GET /api/auth/csrf/',
      'POST /api/customers/ [token-2]',
    ]);
  });

  it('takes the rotated token from the log-in answer when it has one', async () => {
    const api = fakeApi({ tokenInLogin: true });
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    await session.request('/api/customers/', { method: 'POST', body: {} });
    assert.deepEqual(api.calls, [
      'GET /api/auth/csrf/',
      'POST /api/auth/login/ [token-1]',
      'POST /api/customers/ [token-2]',
    ]);
  });

  it('sends a GET as it is, without fetching a token', async () => {
    const api = fakeApi();
    api.user = EDITOR;
    const session = createSession(api.fetch);
    const listed = await session.request('/api/customers/');
    assert.equal(listed.ok, true);
    assert.deepEqual(api.calls, ['GET /api/customers/']);
  });

  it('fetches a fresh token once when Django calls the one it has stale', async () => {
    const api = fakeApi({ tokenInLogin: true });
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    api.token = 'rotated-elsewhere';
    const created = await session.request('/api/customers/', { method: 'POST', body: {} });
    assert.equal(created.status, 201);
    assert.deepEqual(api.calls.slice(2), [
      'POST /api/customers/ [token-2]',
      'GET /api/auth/csrf/',
      'POST /api/customers/ [rotated-elsewhere]',
    ]);
  });

  it('gives up after one retry, reporting the refusal', async () => {
    const session = createSession(async (url) =>
      url === AUTH.csrf
        ? json(200, { csrfToken: 'never-good' })
        : json(403, { detail: 'CSRF Failed: CSRF cookie not set.' }),
    );
    const result = await session.request('/api/customers/', { method: 'POST', body: {} });
    assert.equal(result.kind, 'csrf');
  });

  it('reports a token endpoint that does not answer with one', async () => {
    const session = createSession(async () => json(200, { nope: true }));
    const result = await session.request('/api/customers/', { method: 'DELETE' });
    assert.equal(result.ok, false);
    assert.equal(result.kind, 'error');
  });
});

describe('createSession: failed log-ins', () => {
  it('says a wrong password is wrong, and sends nothing without both fields', async () => {
    const api = fakeApi();
    const session = createSession(api.fetch);
    const wrong = await session.login('ada', 'wrong');
    assert.equal(wrong.ok, false);
    assert.equal(wrong.kind, 'invalid');
    assert.equal(wrong.message, LOGIN_MESSAGES.invalid);
    const calls = api.calls.length;
    for (const [name, password] of [
      ['', 'x'],
      ['  ', 'x'],
      ['ada', ''],
    ]) {
      const missing = await session.login(name, password);
      assert.deepEqual(missing, { ok: false, kind: 'missing', message: LOGIN_MESSAGES.missing });
    }
    assert.equal(api.calls.length, calls);
  });

  it('says how long a lock-out lasts', async () => {
    const session = createSession(fakeApi({ lockedFor: 300 }).fetch);
    const locked = await session.login('ada', 'right');
    assert.equal(locked.kind, 'rate-limited');
    assert.equal(locked.message, 'Too many failed log-ins. Please try again in 5 minutes.');
    const bare = createSession(async (url) =>
      url === AUTH.csrf ? json(200, { csrfToken: 't' }) : json(429, null),
    );
    assert.equal((await bare.login('ada', 'right')).message, LOGIN_MESSAGES.locked);
  });

  it('says when the server cannot be reached', async () => {
    const session = createSession(async () => {
      throw new TypeError('Failed to fetch');
    });
    const result = await session.login('ada', 'right');
    assert.equal(result.message, MESSAGES.network);
  });
});

describe('createSession: an ended session and missing permissions', () => {
  for (const anonymousStatus of [401, 403]) {
    it(`reads a ${anonymousStatus} as signed out, whichever DRF sends`, async () => {
      const api = fakeApi({ anonymousStatus });
      const session = createSession(api.fetch);
      await session.login('ada', 'right');
      api.user = null; // the session expired on the server
      const result = await session.request('/api/customers/');
      assert.equal(result.kind, 'signed-out');
      const me = await session.me();
      assert.deepEqual([me.ok, me.kind], [false, 'signed-out']);
    });
  }

  it('hands back the current permissions with a refusal', async () => {
    const api = fakeApi();
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    api.permissions = [PERMISSIONS.view];
    api.user = { ...api.user, permissions: api.permissions };
    const result = await session.request('/api/customers/', { method: 'POST', body: {} });
    assert.equal(result.kind, 'forbidden');
    assert.deepEqual(result.me.permissions, [PERMISSIONS.view]);
    assert.equal(api.calls.at(-1), 'GET /api/auth/me/');
  });

  it('does not take a malformed answer for a user', async () => {
    const session = createSession(async () => json(200, { username: 'x', groups: 'all' }));
    const me = await session.me();
    assert.deepEqual([me.ok, me.kind], [false, 'error']);
  });
});

describe('createSession: log-out', () => {
  it('logs out with the token, then needs a new one', async () => {
    const api = fakeApi({ tokenInLogin: true });
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    assert.deepEqual(await session.logout(), { ok: true });
    assert.equal(api.calls.at(-1), 'POST /api/auth/logout/ [token-2]');
    await session.login('ada', 'right');
    assert.deepEqual(api.calls.slice(-2), [
      'GET /api/auth/csrf/',
      'POST /api/auth/login/ [token-3]',
    ]);
  });

  it('counts a session that had already ended as logged out', async () => {
    const api = fakeApi({ tokenInLogin: true });
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    api.user = null;
    assert.deepEqual(await session.logout(), { ok: true });
  });

  it('reports a log-out that did not reach the server', async () => {
    const session = createSession(async () => {
      throw new TypeError('offline');
    });
    const result = await session.logout();
    assert.deepEqual([result.ok, result.kind], [false, 'network']);
  });
});

describe('readMe, permissionsOf and userLabel', () => {
  it('reads a user and what they may do', () => {
    const me = readMe({ ...EDITOR, extra: 'ignored' });
    assert.deepEqual(me, EDITOR);
    assert.deepEqual(permissionsOf(me), { view: true, add: true, change: true, delete: false });
    assert.equal(userLabel(me), 'ada (customer editors)');
    assert.equal(userLabel({ username: 'root', groups: [], permissions: [] }), 'root');
  });

  it('grants nothing to nobody', () => {
    const nothing = { view: false, add: false, change: false, delete: false };
    assert.deepEqual(permissionsOf(null), nothing);
    assert.equal(userLabel(null), '');
  });

  it('refuses anything that is not a user', () => {
    for (const body of [
      null,
      'ada',
      {},
      { username: '', groups: [], permissions: [] },
      { username: 'a', groups: [1], permissions: [] },
      { username: 'a', groups: [], permissions: 'customers.view_customer' },
    ]) {
      assert.equal(readMe(body), null, JSON.stringify(body));
    }
  });
});

describe('createSession: password change', () => {
  it('posts both passwords with the token', async () => {
    const api = fakeApi({ tokenInLogin: true });
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    const changed = await session.changePassword({
      old_password: 'right',  // pragma: allowlist secret
      new_password: 'a much longer one',  // pragma: allowlist secret
    });
    assert.deepEqual(changed, { ok: true });
    assert.equal(api.calls.at(-1), 'POST /api/auth/password/ [token-2]');
  });

  it('puts Django’s reasons next to their fields', async () => {
    const api = fakeApi({ tokenInLogin: true });
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    const wrong = await session.changePassword({ old_password: 'x', new_password: 'y' });
    assert.deepEqual(wrong, {
      ok: false,
      kind: 'invalid',
      fields: { old_password: ['The current password is not correct.'] },
      general: [],
    });
    const weak = await session.changePassword({
      old_password: 'right',  // pragma: allowlist secret
      new_password: 'short',  // pragma: allowlist secret
    });
    assert.deepEqual(weak.fields, {
      new_password: ['This password is too short.', 'It is too common.'],
    });
  });

  it('says when the session has ended', async () => {
    const api = fakeApi({ anonymousStatus: 401 });
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    api.user = null;
    const result = await session.changePassword({ old_password: 'right', new_password: 'x' });  // pragma: allowlist secret
    assert.deepEqual(result, {
      ok: false,
      kind: 'signed-out',
      fields: {},
      general: [MESSAGES.signedOut],
    });
  });
});
