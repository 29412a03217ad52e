import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { factorSummary } from '../src/factor-view.js';
import { NOT_CONFIRMED, withReauthentication } from '../src/reauthentication.js';
import {
  FACTOR_MESSAGES,
  activateTotp,
  loadFactors,
  newTotpSecret,
  regenerateRecoveryCodes,
  removeTotp,
  showRecoveryCodes,
} from '../src/second-factor.js';
import { createSession } from '../src/session.js';
import { RECOVERY_CODE, SECRET, TOTP_CODE, fakeApi } from './fake-api.js';

async function loggedIn(options) {
  const api = fakeApi(options);
  const session = createSession(api.fetch);
  await session.login('ada', 'right');
  if (options?.totp) {
    await session.secondFactor(TOTP_CODE);
  }
  return { api, session };
}

// A prompt that confirms the password (or cancels), counting how often it was asked.
function prompt(session, password) {
  const asked = { count: 0 };
  return {
    asked,
    async ask() {
      asked.count += 1;
      return password !== null && (await session.reauthenticate(password)).ok;
    },
  };
}

describe('setting up an authenticator app', () => {
  it('shows a new key and otpauth:// address, then activates with a code', async () => {
    const { api, session } = await loggedIn();
    assert.deepEqual(await loadFactors(session), { ok: true, totp: false, recoveryCodes: null });
    const setup = await newTotpSecret(session);
    assert.deepEqual(setup, {
      ok: true,
      active: false,
      secret: SECRET,
      uri: `otpauth://totp/ada?secret=${SECRET}&issuer=Test`,
    });
    const confirm = prompt(session, 'right');
    const wrong = await withReauthentication(confirm, () => activateTotp(session, '000000'));
    assert.deepEqual(wrong.fields, { code: ['Incorrect code.'] });
    assert.equal(confirm.asked.count, 1);
    const done = await withReauthentication(confirm, () => activateTotp(session, TOTP_CODE));
    assert.deepEqual(done, { ok: true });
    assert.equal(confirm.asked.count, 1, 'asked once: the confirmation lasts');
    assert.equal(api.totp, true);
  });

  it('shows the recovery codes once', async () => {
    const { api, session } = await loggedIn();
    api.reauthenticated = true;
    await activateTotp(session, TOTP_CODE);
    assert.deepEqual(await showRecoveryCodes(session), {
      ok: true,
      codes: [RECOVERY_CODE, '11112222'],
    });
    const again = await showRecoveryCodes(session);
    assert.deepEqual(
      [again.ok, again.kind, again.general],
      [false, 'shown', [FACTOR_MESSAGES.codesGone]],
    );
  });

  it('sends nothing without a code', async () => {
    const { api, session } = await loggedIn();
    const calls = api.calls.length;
    const result = await activateTotp(session, ' ');
    assert.deepEqual(result.fields, { code: [FACTOR_MESSAGES.missingCode] });
    assert.equal(api.calls.length, calls);
  });

  it('does not take a malformed key for one', async () => {
    const session = createSession(
      async () =>
        new Response(
          JSON.stringify({ status: 404, meta: { secret: 'x<y', totp_url: 'https://x' } }),  // pragma: allowlist secret
          {
            status: 404,
            headers: { 'Content-Type': 'application/json' },
          },
        ),
    );
    const result = await newTotpSecret(session);
    assert.deepEqual([result.ok, result.kind], [false, 'error']);
  });
});

describe('managing the authenticator app', () => {
  it('reads what the user has', async () => {
    const { session } = await loggedIn({ totp: true });
    const factors = await loadFactors(session);
    assert.deepEqual(factors, { ok: true, totp: true, recoveryCodes: { unused: 9, total: 10 } });
    assert.match(factorSummary(factors), /9 of 10 recovery codes are unused/);
    assert.match(factorSummary({ totp: false, recoveryCodes: null }), /No second factor/);
  });

  it('makes new recovery codes and removes the app after the password', async () => {
    const { api, session } = await loggedIn({ totp: true });
    const confirm = prompt(session, 'right');
    const codes = await withReauthentication(confirm, () => regenerateRecoveryCodes(session));
    assert.deepEqual(codes, { ok: true, codes: ['33334444'] });
    const removed = await withReauthentication(confirm, () => removeTotp(session));
    assert.deepEqual(removed, { ok: true });
    assert.equal(api.totp, false);
  });

  it('changes nothing when the password is not confirmed', async () => {
    const { api, session } = await loggedIn({ totp: true });
    const cancelled = await withReauthentication(prompt(session, null), () => removeTotp(session));
    assert.deepEqual(cancelled, {
      ok: false,
      kind: 'cancelled',
      fields: {},
      general: [NOT_CONFIRMED],
    });
    const wrong = await withReauthentication(prompt(session, 'wrong'), () => removeTotp(session));
    assert.equal(wrong.kind, 'cancelled');
    assert.equal(api.totp, true);
  });
});

describe('a second factor required by the API', () => {
  it('reads the refusal as a reason to set one up', async () => {
    const { api, session } = await loggedIn();
    api.secondFactor = { required: true, enrolled: false };
    const result = await session.request('/api/customers/');
    assert.equal(result.kind, 'second-factor-required');
    const me = await session.me();
    assert.deepEqual(me.me.secondFactor, { required: true, enrolled: false });
  });
});
