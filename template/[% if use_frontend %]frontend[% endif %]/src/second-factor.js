// The second factor of the logged-in user, through allauth: an authenticator
// app (TOTP) and the recovery codes that come with it. allauth asks for the
// password again (a 401 "reauthenticate") before a change or before showing
// codes; each function here then answers kind 'reauthenticate', and the page
// asks for it and calls again.
import { ALLAUTH, asksReauthentication, parseErrors } from './allauth.js';
import { failureMessage } from './http.js';

export const FACTOR_MESSAGES = {
  missingCode: 'Enter the six-digit code your app shows.',
  activated: 'Your authenticator app is set up. Keep the recovery codes below somewhere safe.',
  removed: 'Your authenticator app has been removed.',
  regenerated: 'New recovery codes: the old ones no longer work. Keep these somewhere safe.',
  codesGone: 'Your recovery codes were shown once already. Make new ones if you lost them.',
};

// The TOTP form's field, as allauth names it.
export const CODE_FIELDS = ['code'];

function failure(result, fields = []) {
  if (asksReauthentication(result)) {
    return { ok: false, kind: 'reauthenticate', fields: {}, general: [] };
  }
  if (result.kind === 'invalid') {
    return { ok: false, kind: 'invalid', ...parseErrors(result.body, fields) };
  }
  const failed = {
    ok: false,
    kind: result.kind,
    fields: {},
    general: [failureMessage(result.kind, result)],
  };
  return result.me ? { ...failed, me: result.me } : failed;
}

function strings(value) {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * What the user has: `{ok: true, totp, recoveryCodes}` where `recoveryCodes`
 * is `{unused, total}` or null.
 */
export async function loadFactors(session) {
  const result = await session.request(ALLAUTH.authenticators);
  if (!result.ok || !Array.isArray(result.body?.data)) {
    return failure(result.ok ? { kind: 'error' } : result);
  }
  const byType = new Map(result.body.data.map((item) => [item?.type, item]));
  const codes = byType.get('recovery_codes');
  return {
    ok: true,
    totp: byType.has('totp'),
    recoveryCodes: codes
      ? { unused: Number(codes.unused_code_count), total: Number(codes.total_code_count) }
      : null,
  };
}

/**
 * A new secret for an authenticator app: `{ok: true, secret, uri}`, the
 * secret to type in and the otpauth:// URI that apps read. allauth answers 404
 * (no app yet) with them; `{ok: true, active: true}` if the user has one.
 */
export async function newTotpSecret(session) {
  const result = await session.request(ALLAUTH.totp);
  if (result.ok) {
    return { ok: true, active: true };
  }
  const { secret, totp_url: uri } = result.body?.meta ?? {};
  if (result.status === 404 && typeof secret === 'string' && typeof uri === 'string') {  // pragma: allowlist secret
    if (/^[A-Z2-7]+=*$/.test(secret) && uri.startsWith('otpauth://')) {
      return { ok: true, active: false, secret, uri };
    }
  }
  return failure(result.status === 404 ? { kind: 'error' } : result);
}

/** Activate the app with a code it shows now: `{ok: true}` or a failure. */
export async function activateTotp(session, code) {
  const typed = String(code ?? '').replace(/\s+/g, '');
  if (typed === '') {
    return {
      ok: false,
      kind: 'missing',
      fields: { code: [FACTOR_MESSAGES.missingCode] },
      general: [],
    };
  }
  const result = await session.request(ALLAUTH.totp, { method: 'POST', body: { code: typed } });
  return result.ok ? { ok: true } : failure(result, CODE_FIELDS);
}

/** Remove the authenticator app (and with it the recovery codes). */
export async function removeTotp(session) {
  const result = await session.request(ALLAUTH.totp, { method: 'DELETE' });
  return result.ok ? { ok: true } : failure(result);
}

function codesOf(result) {
  const codes = result.body?.data?.unused_codes;
  return strings(codes) ? { ok: true, codes: [...codes] } : null;
}

/**
 * The unused recovery codes, which allauth shows once: `{ok: true, codes}`,
 * or kind 'shown' when they were shown before.
 */
export async function showRecoveryCodes(session) {
  const result = await session.request(ALLAUTH.recoveryCodes);
  if (result.ok) {
    return (
      codesOf(result) ?? {
        ok: false,
        kind: 'shown',
        fields: {},
        general: [FACTOR_MESSAGES.codesGone],
      }
    );
  }
  return failure(result);
}

/** New recovery codes, replacing the old ones: `{ok: true, codes}` or a failure. */
export async function regenerateRecoveryCodes(session) {
  const result = await session.request(ALLAUTH.recoveryCodes, { method: 'POST', body: {} });
  if (result.ok) {
    return codesOf(result) ?? failure({ kind: 'error' });
  }
  return failure(result);
}
