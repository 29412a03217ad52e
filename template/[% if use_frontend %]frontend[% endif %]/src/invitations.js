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

/** Where an invitation stands, in a word for the list. */
export function invitationState(invitation, now = Date.now()) {
  if (invitation.accepted_at) {
    return 'accepted';
  }
  if (invitation.revoked_at) {
    return 'revoked';
  }
  if (invitation.expires_at && Date.parse(invitation.expires_at) <= now) {
    return 'expired';
  }
  return 'pending';
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
  return result.ok ? { ok: true } : failed(result, []);
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
  if (result.kind === 'invalid' || result.kind === 'not-found') {
    return { ok: false, kind: 'invalid-key', message: INVITATION_MESSAGES.invalid };
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
  if (result.kind === 'not-found') {
    return { ok: false, kind: 'invalid-key', fields: {}, general: [INVITATION_MESSAGES.invalid] };
  }
  const outcome = failed(result, ACCEPT_FIELDS);
  const keyRefused = outcome.kind === 'invalid' && result.body && 'key' in result.body;
  return keyRefused
    ? { ok: false, kind: 'invalid-key', fields: {}, general: [INVITATION_MESSAGES.invalid] }
    : outcome;
}
