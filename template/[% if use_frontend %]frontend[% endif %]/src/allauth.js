// django-allauth's headless API (browser client), as the page uses it: its
// URLs, and what its answers mean. allauth answers in a shape of its own,
// `{status, data, meta}` or `{status, errors: [{message, code, param}]}`,
// and a 401 names the "flows" that may follow (a pending second factor, a
// reauthentication); this reads them so the rest of the page need not.
import { MESSAGES } from './http.js';

const BASE = '/api/auth/browser/v1';

export const ALLAUTH = {
  login: `${BASE}/auth/login`,
  session: `${BASE}/auth/session`,
  secondFactor: `${BASE}/auth/2fa/authenticate`,
  reauthenticate: `${BASE}/auth/reauthenticate`,
  passwordChange: `${BASE}/account/password/change`,
  passwordRequest: `${BASE}/auth/password/request`,
  passwordReset: `${BASE}/auth/password/reset`,
  authenticators: `${BASE}/account/authenticators`,
  totp: `${BASE}/account/authenticators/totp`,
  recoveryCodes: `${BASE}/account/authenticators/recovery-codes`,
};

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The flows a 401 offers, as `[{id, is_pending, types}]`; [] when none. */
export function flowsOf(body) {
  const flows = isObject(body) && isObject(body.data) ? body.data.flows : null;
  return Array.isArray(flows) ? flows.filter((flow) => isObject(flow)) : [];
}

/** The id of the flow the answer says is under way (e.g. 'mfa_authenticate'), or null. */
export function pendingFlow(body) {
  const pending = flowsOf(body).find((flow) => flow.is_pending === true);
  return typeof pending?.id === 'string' ? pending.id : null;
}

/** Whether a 401 asks the logged-in user to confirm their password first. */
export function asksReauthentication(result) {
  return (
    result.status === 401 &&
    isObject(result.body?.meta) &&
    result.body.meta.is_authenticated === true &&
    flowsOf(result.body).some((flow) => flow.id === 'reauthenticate')
  );
}

/** The error codes of a 400 answer (e.g. 'incorrect_code'). */
export function errorCodes(body) {
  const errors = isObject(body) && Array.isArray(body.errors) ? body.errors : [];
  return errors.filter(isObject).map((error) => String(error.code ?? ''));
}

/**
 * A 400 answer's errors, split into messages per form field (by `param`,
 * for the fields the form shows) and messages for the form as a whole; one
 * generic message when it names none.
 */
export function parseErrors(body, fields = []) {
  const result = { fields: {}, general: [] };
  const errors = isObject(body) && Array.isArray(body.errors) ? body.errors : [];
  for (const error of errors.filter(isObject)) {
    const message = String(error.message ?? '').trim();
    if (message === '') {
      continue;
    }
    if (fields.includes(error.param)) {
      (result.fields[error.param] ??= []).push(message);
    } else {
      result.general.push(message);
    }
  }
  if (result.general.length === 0 && Object.keys(result.fields).length === 0) {
    result.general.push(MESSAGES.generic);
  }
  return result;
}
