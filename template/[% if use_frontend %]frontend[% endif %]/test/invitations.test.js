import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  acceptInvitation,
  checkInvitation,
  invitationState,
  invite,
  listInvitations,
  revokeInvitation,
} from '../src/invitations.js';
import { invitationRow } from '../src/invitations-view.js';
import { createSession } from '../src/session.js';
import { json } from './fake-api.js';
import { fakeDocument } from './fake-dom.js';

const KEY = 'k3y_-abc';
const PENDING = {
  id: 7,
  email: 'grace@example.com',
  role: 'customer editors',
  state: 'pending',
  inviter: 'rehearsal-manager',
  created_at: '2026-12-07T11:00:00Z',
  expires_at: '2026-12-14T11:00:00Z',
  accepted_at: null,
  accepted_username: null,
  revoked_at: null,
  revoked_by: null,
};
// The API's one answer to a key that opens nothing.
const INVALID = { detail: 'This invitation link does not work. Ask for a new invitation.' };

// The invitations API: one pending invitation, a key for it, CSRF as Django.
function fakeInvitations() {
  const api = { calls: [], invitations: [PENDING], accepted: null };
  api.fetch = async (url, options) => {
    const method = options.method ?? 'GET';
    api.calls.push(`${method} ${url} ${options.body ?? ''}`.trim());
    if (url === '/api/auth/csrf/') {
      return json(200, { csrfToken: 't' });
    }
    if (method !== 'GET' && options.headers['X-CSRFToken'] !== 't') {
      return json(403, { detail: 'CSRF Failed: CSRF token missing.' });
    }
    const body = options.body ? JSON.parse(options.body) : {};
    if (url === '/api/accounts/invitations/') {
      if (method === 'GET') {
        return json(200, { next: null, previous: null, results: api.invitations });
      }
      if (!body.email.includes('@')) {
        return json(400, { email: ['Enter a valid email address.'] });
      }
      return json(201, { ...PENDING, id: 8, email: body.email, role: body.role });
    }
    if (url === '/api/accounts/invitations/7/revoke/') {
      return json(200, { ...PENDING, state: 'revoked', revoked_at: '2026-12-07T12:00:00Z' });
    }
    if (url === '/api/auth/invitation/check/') {
      return body.key === KEY
        ? json(200, { email: PENDING.email, role: PENDING.role })
        : json(400, INVALID);
    }
    if (url === '/api/auth/invitation/accept/') {
      if (body.key !== KEY) {
        return json(400, INVALID);
      }
      if (body.password.length < 12) {
        return json(400, { password: ['This password is too short.'] });
      }
      api.accepted = body;
      return json(201, { username: body.username, email: PENDING.email, role: PENDING.role });
    }
    return json(404, { detail: 'Not found.' });
  };
  return api;
}

describe('invitations for managers', () => {
  it('lists, invites and revokes', async () => {
    const api = fakeInvitations();
    const session = createSession(api.fetch);
    assert.deepEqual(await listInvitations(session), { ok: true, invitations: [PENDING] });
    const sent = await invite(session, { email: ' alan@example.com ', role: 'customer viewers' });
    assert.equal(sent.ok, true);
    assert.equal(sent.invitation.email, 'alan@example.com');
    const revoked = await revokeInvitation(session, 7);
    assert.deepEqual([revoked.ok, invitationState(revoked.invitation)], [true, 'revoked']);
    assert.equal(api.calls.at(-1), 'POST /api/accounts/invitations/7/revoke/ {}');
  });

  it('puts the API’s reasons next to the fields', async () => {
    const session = createSession(fakeInvitations().fetch);
    const result = await invite(session, { email: 'nope', role: 'customer viewers' });
    assert.deepEqual(result, {
      ok: false,
      kind: 'invalid',
      fields: { email: ['Enter a valid email address.'] },
      general: [],
    });
  });

  it('revokes only what has an id', async () => {
    const api = fakeInvitations();
    const result = await revokeInvitation(createSession(api.fetch), '../7');
    assert.equal(result.kind, 'not-found');
    assert.deepEqual(api.calls, []);
  });

  it('tells where an invitation stands, as the API says', () => {
    for (const state of ['pending', 'accepted', 'revoked', 'expired']) {
      assert.equal(invitationState({ ...PENDING, state }), state);
    }
    assert.equal(invitationState({ ...PENDING, state: '<b>' }), 'unknown');
  });

  it('gives a pending row a Revoke button, as text only', () => {
    const doc = fakeDocument();
    const hostile = { ...PENDING, email: '<img src=x onerror=alert(1)>@example.com' };
    const row = invitationRow(doc, hostile, { canRevoke: true, locale: 'en' });
    const button = row.children.at(-1).children[0];
    assert.equal(button.getAttribute('data-action'), 'revoke');
    assert.match(row.toHTML(), /&lt;img src=x onerror=alert\(1\)&gt;@example.com/);
    const revoked = invitationRow(doc, { ...PENDING, state: 'revoked' }, { canRevoke: true });
    assert.equal(revoked.children.at(-1).children.length, 0);
    const noRight = invitationRow(doc, PENDING, { canRevoke: false });
    assert.equal(noRight.children.at(-1).children.length, 0);
  });
});

describe('accepting an invitation', () => {
  it('shows what the key invites to, then creates the account', async () => {
    const api = fakeInvitations();
    const session = createSession(api.fetch);
    assert.deepEqual(await checkInvitation(session, KEY), {
      ok: true,
      email: PENDING.email,
      role: PENDING.role,
    });
    const values = { username: ' grace ', password: 'a long password' };  // pragma: allowlist secret
    assert.deepEqual(await acceptInvitation(session, KEY, values), { ok: true, username: 'grace' });
    assert.deepEqual(api.accepted, { key: KEY, username: 'grace', password: 'a long password' });  // pragma: allowlist secret
    // The key travels in POST bodies only.
    assert.ok(api.calls.every((call) => !call.split(' ')[1].includes(KEY)));
  });

  it('says a dead key is dead, and a weak password is weak', async () => {
    const session = createSession(fakeInvitations().fetch);
    assert.deepEqual(await checkInvitation(session, 'old'), {
      ok: false,
      kind: 'invalid-key',
      message: INVALID.detail,
    });
    const dead = await acceptInvitation(session, 'old', {
      username: 'g',
      password: 'long enough!',  // pragma: allowlist secret
    });  // pragma: allowlist secret
    assert.deepEqual(dead, {
      ok: false,
      kind: 'invalid-key',
      fields: {},
      general: [INVALID.detail],
    });
    const weak = await acceptInvitation(session, KEY, { username: 'g', password: 'short' });  // pragma: allowlist secret
    assert.deepEqual(weak.fields, { password: ['This password is too short.'] });
  });
});
