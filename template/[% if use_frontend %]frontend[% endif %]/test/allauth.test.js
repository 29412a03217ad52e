import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ALLAUTH,
  asksReauthentication,
  errorCodes,
  flowsOf,
  parseErrors,
  pendingFlow,
} from '../src/allauth.js';
import { MESSAGES } from '../src/http.js';

const PENDING = {
  status: 401,
  data: {
    flows: [{ id: 'login' }, { id: 'mfa_authenticate', is_pending: true, types: ['totp'] }],
  },
  meta: { is_authenticated: false },
};

describe('ALLAUTH', () => {
  it('names only the browser client’s endpoints, under /api/auth/', () => {
    for (const url of Object.values(ALLAUTH)) {
      assert.match(url, /^\/api\/auth\/browser\/v1\/(auth|account)\/[a-z0-9/-]+$/);
    }
  });
});

describe('flowsOf and pendingFlow', () => {
  it('reads the flows of a 401 and the one under way', () => {
    assert.deepEqual(
      flowsOf(PENDING).map((flow) => flow.id),
      ['login', 'mfa_authenticate'],
    );
    assert.equal(pendingFlow(PENDING), 'mfa_authenticate');
    assert.equal(pendingFlow({ status: 401, data: { flows: [{ id: 'login' }] } }), null);
  });

  it('finds nothing in anything else', () => {
    for (const body of [null, 'x', {}, { data: null }, { data: { flows: 'login' } }, []]) {
      assert.deepEqual(flowsOf(body), []);
      assert.equal(pendingFlow(body), null);
    }
    assert.equal(pendingFlow({ data: { flows: [null, { is_pending: true, id: 3 }] } }), null);
  });
});

describe('asksReauthentication', () => {
  const reauth = {
    status: 401,
    data: { flows: [{ id: 'reauthenticate' }, { id: 'mfa_reauthenticate' }] },
    meta: { is_authenticated: true },
  };

  it('is a 401 to a logged-in user that offers the reauthenticate flow', () => {
    assert.equal(asksReauthentication({ status: 401, body: reauth }), true);
  });

  it('is not an ended session, nor another answer', () => {
    const loggedOut = { ...reauth, meta: { is_authenticated: false } };
    assert.equal(asksReauthentication({ status: 401, body: loggedOut }), false);
    assert.equal(asksReauthentication({ status: 400, body: reauth }), false);
    assert.equal(asksReauthentication({ status: 401, body: null }), false);
    assert.equal(asksReauthentication({ status: 401, body: PENDING }), false);
  });
});

describe('errorCodes and parseErrors', () => {
  const body = {
    status: 400,
    errors: [
      { message: 'This password is too short.', code: 'password_too_short', param: 'password' },
      { message: 'Too common.', code: 'password_too_common', param: 'password' },
      { message: 'The token was invalid.', code: 'invalid_password_reset', param: 'key' },
    ],
  };

  it('lists the codes', () => {
    assert.deepEqual(errorCodes(body), [
      'password_too_short',
      'password_too_common',
      'invalid_password_reset',
    ]);
    assert.deepEqual(errorCodes(null), []);
  });

  it('puts each message next to the field the form shows, the rest for the form', () => {
    assert.deepEqual(parseErrors(body, ['password']), {
      fields: { password: ['This password is too short.', 'Too common.'] },
      general: ['The token was invalid.'],
    });
  });

  it('says something generic when the answer names nothing', () => {
    for (const nothing of [null, {}, { errors: [] }, { errors: [{ message: ' ' }, 'x'] }]) {
      assert.deepEqual(parseErrors(nothing, ['password']), {
        fields: {},
        general: [MESSAGES.generic],
      });
    }
  });
});
