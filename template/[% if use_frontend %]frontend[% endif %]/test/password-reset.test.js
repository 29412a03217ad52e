import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { RESET_MESSAGES, requestReset, resetPassword } from '../src/password-reset.js';
import { createSession } from '../src/session.js';
import { RESET_KEY, fakeApi, json } from './fake-api.js';

describe('requestReset', () => {
  it('says the same, whatever the address', async () => {
    const api = fakeApi();
    const session = createSession(api.fetch);
    const known = await requestReset(session, ' ada@example.com ');
    const unknown = await requestReset(session, 'nobody@example.com');
    assert.deepEqual(known, { ok: true, message: RESET_MESSAGES.sent });
    assert.deepEqual(unknown, known);
    assert.equal(api.calls.at(-1), 'POST /api/auth/browser/v1/auth/password/request [token-1]');
  });

  it('asks for an address before sending anything', async () => {
    const api = fakeApi();
    const result = await requestReset(createSession(api.fetch), '  ');
    assert.deepEqual(result, { ok: false, kind: 'missing', message: RESET_MESSAGES.missingEmail });
    assert.deepEqual(api.calls, []);
  });

  it('says how long to wait when rate limited', async () => {
    const session = createSession(async (url) =>
      url === '/api/auth/csrf/' ? json(200, { csrfToken: 't' }) : json(429, { status: 429 }),
    );
    const result = await requestReset(session, 'ada@example.com');
    assert.deepEqual([result.ok, result.kind], [false, 'rate-limited']);
  });
});

describe('resetPassword', () => {
  it('sets the password; allauth’s 401 means "now log in"', async () => {
    const api = fakeApi();
    const session = createSession(api.fetch);
    const done = await resetPassword(session, RESET_KEY, 'a long new password');
    assert.deepEqual(done, { ok: true });
    // The key goes in the POST body, never in a URL.
    assert.ok(api.calls.every((call) => !call.includes(RESET_KEY)));
  });

  it('tells a dead key from a weak password', async () => {
    const session = createSession(fakeApi().fetch);
    const dead = await resetPassword(session, '1-used-key', 'a long new password');
    assert.deepEqual(dead, {
      ok: false,
      kind: 'invalid-key',
      fields: {},
      general: [RESET_MESSAGES.invalidKey],
    });
    const weak = await resetPassword(session, RESET_KEY, 'short');
    assert.deepEqual(weak, {
      ok: false,
      kind: 'invalid',
      fields: { password: ['This password is too short.'] },
      general: [],
    });
  });
});
