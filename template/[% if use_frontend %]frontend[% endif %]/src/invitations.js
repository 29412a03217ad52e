// Invitations: a manager invites someone by e-mail address with a role; the
// invitee opens the mailed link (#/invite/<key>), sees the address and role,
// and chooses a username and password. The key goes to the API only in a
// POST body.
import { parseValidationErrors } from './api.js';
import { failureMessage } from './http.js';

export const INVITATIONS = {
  list: '/api/accounts/invitations/',
  check: '/api/auth/invitation/check/',
  accept: '/api/auth/invitation/accept/',
};

// The permissions /api/auth/me/ lists for managing invitations.
export const INVITATION_PERMISSIONS = {
  invite: 'accounts.add_invitation',
  revoke: 'accounts.change_invitation',
};

export const INVITE_FIELDS = ['email', 'role'];
export const ACCEPT_FIELDS = ['username', 'password'];

export const INVITATION_MESSAGES = {
  // When the API's answer has no words of its own.
  invalid:
    'This invitation is no longer valid: it was used, revoked or has expired. Ask for a new one.',
  accepted: 'Your account is ready. Log in with the username and password you chose.',
};

function failed(result, fields) {
  if (result.kind === 'invalid') {
    return { ok: false, kind: 'invalid', ...parseValidationErrors(result.body, fields) };
  }
  const general = [failureMessage(result.kind, result)];
  return result.me
    ? { ok: false, kind: result.kind, fields: {}, general, me: result.me }
    : { ok: false, kind: result.kind, fields: {}, general };
}

function isInvitation(body) {
  return (
    body !== null &&
    typeof body === 'object' &&
    /^[1-9][0-9]{0,18}$/.test(String(body.id)) &&
    typeof body.email === 'string'
  );
}

// The states the API names; anything else is shown as it is not known.
const STATES = new Set(['pending', 'accepted', 'revoked', 'expired']);

/** Where an invitation stands, as the API says, in a word for the list. */
export function invitationState(invitation) {
  return STATES.has(invitation.state) ? invitation.state : 'unknown';
}

// The API's one answer to a key that opens nothing (wrong, expired, revoked,
// used, or an address that has an account by now) is a 400 with a `detail`
// and no field named: its words, or null for any other answer.
function deadKey(result) {
  const body = result.body;
  if (result.kind !== 'invalid' || body === null || typeof body !== 'object') {
    return null;
  }
  if (ACCEPT_FIELDS.some((field) => field in body)) {
    return null;
  }
  return typeof body.detail === 'string' ? body.detail : INVITATION_MESSAGES.invalid;
}

/** The invitations a manager sees: `{ok: true, invitations}` or a failure. */
export async function listInvitations(session) {
  const result = await session.request(INVITATIONS.list);
  const rows = Array.isArray(result.body) ? result.body : result.body?.results;
  if (result.ok && Array.isArray(rows)) {
    return { ok: true, invitations: rows.filter(isInvitation) };
  }
  return failed(result.ok ? { kind: 'error' } : result, []);
}

/** Invite `email` with `role`: `{ok: true, invitation}` or a failure per field. */
export async function invite(session, values) {
  const body = { email: String(values.email ?? '').trim(), role: String(values.role ?? '') };
  const result = await session.request(INVITATIONS.list, { method: 'POST', body });
  if (result.ok && isInvitation(result.body)) {
    return { ok: true, invitation: result.body };
  }
  return failed(result.ok ? { kind: 'error' } : result, INVITE_FIELDS);
}

/** Revoke an invitation that was not accepted yet. */
export async function revokeInvitation(session, id) {
  if (!/^[1-9][0-9]{0,18}$/.test(String(id))) {
    return failed({ kind: 'not-found' }, []);
  }
  const result = await session.request(`${INVITATIONS.list}${id}/revoke/`, {
    method: 'POST',
    body: {},
  });
  if (result.ok && isInvitation(result.body)) {
    return { ok: true, invitation: result.body };
  }
  return failed(result.ok ? { kind: 'error' } : result, []);
}

/** What an invitation key is for: `{ok: true, email, role}`, or kind 'invalid-key'. */
export async function checkInvitation(session, key) {
  const result = await session.request(INVITATIONS.check, {
    method: 'POST',
    body: { key: String(key) },
  });
  const { email, role } = result.body ?? {};
  if (result.ok && typeof email === 'string' && typeof role === 'string') {
    return { ok: true, email, role };
  }
  const dead = deadKey(result);
  if (dead !== null) {
    return { ok: false, kind: 'invalid-key', message: dead };
  }
  return { ok: false, kind: result.kind ?? 'error', message: failureMessage(result.kind, result) };
}

/** Accept an invitation with a username and password: `{ok: true, username}` or a failure. */
export async function acceptInvitation(session, key, values) {
  const username = String(values.username ?? '').trim();
  const result = await session.request(INVITATIONS.accept, {
    method: 'POST',
    body: { key: String(key), username, password: String(values.password ?? '') },
  });
  if (result.ok) {
    return { ok: true, username };
  }
  const dead = deadKey(result);
  if (dead !== null) {
    return { ok: false, kind: 'invalid-key', fields: {}, general: [dead] };
  }
  return failed(result, ACCEPT_FIELDS);
}
