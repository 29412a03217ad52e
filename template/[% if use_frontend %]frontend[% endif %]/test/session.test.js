import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MESSAGES } from '../src/http.js';
import {
  AUTH,
  LOGIN_MESSAGES,
  PERMISSIONS,
  createSession,
  mustEnrol,
  permissionsOf,
  readMe,
  userLabel,
} from '../src/session.js';
import { EDITOR, RECOVERY_CODE, TOTP_CODE, fakeApi, json } from './fake-api.js';

const LOGIN = 'POST /api/auth/browser/v1/auth/login';
const FACTOR = 'POST /api/auth/browser/v1/auth/2fa/authenticate';

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
      `${LOGIN} [token-1]`,
      'GET /api/auth/me/',
      'GET /api/auth/csrf/',
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
    const api = fakeApi();
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    await session.request('/api/customers/', { method: 'POST', body: {} });
    api.token = 'rotated-elsewhere';
    const created = await session.request('/api/customers/', { method: 'POST', body: {} });
    assert.equal(created.status, 201);
    assert.deepEqual(api.calls.slice(-3), [
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

  it('counts a log-in from another tab as logged in (allauth: 409)', async () => {
    const api = fakeApi();
    await createSession(api.fetch).login('ada', 'right');
    const second = await createSession(api.fetch).login('ada', 'right');
    assert.deepEqual(second, { ok: true, me: EDITOR });
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

describe('createSession: the second factor at log-in', () => {
  it('asks for a code after the password, and logs in with it', async () => {
    const api = fakeApi({ totp: true });
    const session = createSession(api.fetch);
    const first = await session.login('ada', 'right');
    assert.deepEqual(first, { ok: false, kind: 'second-factor', message: LOGIN_MESSAGES.code });
    assert.equal(api.user, null);
    const done = await session.secondFactor(` ${TOTP_CODE.slice(0, 3)} ${TOTP_CODE.slice(3)} `);
    assert.equal(done.ok, true);
    assert.equal(done.me.secondFactor.enrolled, true);
    assert.deepEqual(api.calls.slice(1, 4), [
      `${LOGIN} [token-1]`,
      `${FACTOR} [token-1]`,
      'GET /api/auth/me/',
    ]);
  });

  it('takes a recovery code instead', async () => {
    const api = fakeApi({ totp: true });
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    assert.equal((await session.secondFactor(RECOVERY_CODE)).ok, true);
  });

  it('says a wrong code is wrong, and a flood of them is rate limited', async () => {
    const api = fakeApi({ totp: true });
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    const wrong = await session.secondFactor('000000');
    assert.deepEqual(
      [wrong.ok, wrong.kind, wrong.message],
      [false, 'invalid', LOGIN_MESSAGES.wrongCode],
    );
    const many = await session.secondFactor('too-many');
    assert.deepEqual([many.kind, many.message], ['rate-limited', LOGIN_MESSAGES.locked]);
    const calls = api.calls.length;
    assert.equal((await session.secondFactor('  ')).kind, 'missing');
    assert.equal(api.calls.length, calls);
  });

  it('starts again when the pending log-in has gone', async () => {
    const api = fakeApi({ totp: true });
    const session = createSession(api.fetch);
    const result = await session.secondFactor(TOTP_CODE);
    assert.deepEqual([result.kind, result.message], ['expired', LOGIN_MESSAGES.codeExpired]);
  });
});

describe('createSession: reauthentication', () => {
  it('confirms the password, or puts allauth’s reason next to the field', async () => {
    const api = fakeApi();
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    const wrong = await session.reauthenticate('wrong');
    assert.deepEqual(wrong, {
      ok: false,
      kind: 'invalid',
      fields: { password: ['Incorrect password.'] },
      general: [],
    });
    assert.deepEqual(await session.reauthenticate('right'), { ok: true });
    assert.equal(api.reauthenticated, true);
  });
});

describe('createSession: log-out', () => {
  it('logs out with the token (allauth answers 401), then needs a new one', async () => {
    const api = fakeApi();
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    await session.request('/api/customers/', { method: 'POST', body: {} });
    assert.deepEqual(await session.logout(), { ok: true });
    assert.equal(api.calls.at(-1), 'DELETE /api/auth/browser/v1/auth/session [token-2]');
    await session.login('ada', 'right');
    assert.deepEqual(api.calls.slice(-3), [
      'GET /api/auth/csrf/',
      `${LOGIN} [token-3]`,
      'GET /api/auth/me/',
    ]);
  });

  it('counts a session that had already ended as logged out', async () => {
    const api = fakeApi();
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
    const { secondFactor, ...body } = EDITOR;
    const me = readMe({ ...body, extra: 'ignored' });
    assert.deepEqual(me, EDITOR);
    assert.equal(mustEnrol(me), false);
    assert.deepEqual(permissionsOf(me), { view: true, add: true, change: true, delete: false });
    assert.equal(userLabel(me), 'ada (customer editors)');
    assert.equal(userLabel({ username: 'root', groups: [], permissions: [] }), 'root');
  });

  it('tells who must set up a second factor first', () => {
    const { secondFactor, ...body } = EDITOR;
    const required = readMe({ ...body, second_factor: { required: true, enrolled: false } });
    assert.equal(mustEnrol(required), true);
    const enrolled = readMe({ ...body, second_factor: { required: true, enrolled: true } });
    assert.equal(mustEnrol(enrolled), false);
    assert.equal(mustEnrol(null), false);
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
    const api = fakeApi();
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    const changed = await session.changePassword({
      current_password: 'right',  // pragma: allowlist secret
      new_password: 'a much longer one',  // pragma: allowlist secret
    });
    assert.deepEqual(changed, { ok: true });
    assert.equal(api.calls.at(-1), 'POST /api/auth/browser/v1/account/password/change [token-2]');
  });

  it('puts allauth’s reasons next to their fields', async () => {
    const api = fakeApi();
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    const wrong = await session.changePassword({ current_password: 'x', new_password: 'y' });
    assert.deepEqual(wrong, {
      ok: false,
      kind: 'invalid',
      fields: { current_password: ['Please type your current password.'] },
      general: [],
    });
    const weak = await session.changePassword({
      current_password: 'right',  // pragma: allowlist secret
      new_password: 'short',  // pragma: allowlist secret
    });
    assert.deepEqual(weak.fields, {
      new_password: ['This password is too short.', 'This password is too common.'],
    });
  });

  it('says when the session has ended', async () => {
    const api = fakeApi({ anonymousStatus: 401 });
    const session = createSession(api.fetch);
    await session.login('ada', 'right');
    api.user = null;
    const result = await session.changePassword({ current_password: 'right', new_password: 'x' });  // pragma: allowlist secret
    assert.deepEqual(result, {
      ok: false,
      kind: 'signed-out',
      fields: {},
      general: [MESSAGES.signedOut],
    });
  });
});
