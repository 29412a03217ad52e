// "Forgot password": asking for a reset link by e-mail, and setting a new
// password with the key from that link (#/reset/<key>). allauth answers a
// request the same way whether or not the address belongs to an account, and
// so does the page: it never tells who has one.
import { ALLAUTH, errorCodes, parseErrors } from './allauth.js';
import { failureMessage } from './http.js';

export const RESET_MESSAGES = {
  sent:
    'If an account has this address, a link to set a new password is on its way. ' +
    'Check your e-mail.',
  missingEmail: 'Enter the e-mail address of your account.',
  done: 'Your password has been set. Log in with the new one.',  // pragma: allowlist secret
  invalidKey:
    'This link is no longer valid: it was used, has expired, or the password was changed ' +
    'since. Ask for a new one below.',
};

// The reset form's field, as allauth names it.
export const RESET_FIELDS = ['password'];

/** Ask for a reset link for `email`: `{ok: true, message}` or a failure with a message. */
export async function requestReset(session, email) {
  const address = String(email ?? '').trim();
  if (address === '') {
    return { ok: false, kind: 'missing', message: RESET_MESSAGES.missingEmail };
  }
  const result = await session.request(ALLAUTH.passwordRequest, {
    method: 'POST',
    body: { email: address },
  });
  if (result.ok) {
    return { ok: true, message: RESET_MESSAGES.sent };
  }
  if (result.kind === 'invalid') {
    return { ok: false, kind: 'invalid', message: parseErrors(result.body).general.join(' ') };
  }
  return { ok: false, kind: result.kind, message: failureMessage(result.kind, result) };
}

/**
 * Set a new password with a reset key. allauth answers a done reset with 401
 * (nobody is logged in: the user logs in with the new password), so that is
 * success too. A key that no longer works reads 'invalid-key'.
 */
export async function resetPassword(session, key, password) {
  const result = await session.request(ALLAUTH.passwordReset, {
    method: 'POST',
    body: { key: String(key), password: String(password ?? '') },
  });
  if (result.ok || result.status === 401) {
    return { ok: true };
  }
  if (result.kind === 'invalid' && errorCodes(result.body).includes('invalid_password_reset')) {
    return { ok: false, kind: 'invalid-key', fields: {}, general: [RESET_MESSAGES.invalidKey] };
  }
  if (result.kind === 'invalid') {
    return { ok: false, kind: 'invalid', ...parseErrors(result.body, RESET_FIELDS) };
  }
  return {
    ok: false,
    kind: result.kind,
    fields: {},
    general: [failureMessage(result.kind, result)],
  };
}
