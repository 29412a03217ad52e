// The second-factor panel: set up an authenticator app (the key and the
// otpauth:// address shown as text, then a code to prove it works), see the
// recovery codes once, make new ones, or remove the app. Every change may
// first ask for the password again (reauthentication.js).
import { element, setStatus } from './dom.js';
import { formController, submitForm } from './forms.js';
import { withReauthentication } from './reauthentication.js';
import {
  CODE_FIELDS,
  FACTOR_MESSAGES,
  activateTotp,
  loadFactors,
  newTotpSecret,
  regenerateRecoveryCodes,
  removeTotp,
  showRecoveryCodes,
} from './second-factor.js';

/** What the panel says about the user's second factor. */
export function factorSummary(factors) {
  if (!factors.totp) {
    return 'No second factor is set up: logging in needs only your password.';
  }
  const codes = factors.recoveryCodes;
  const left = codes ? ` ${codes.unused} of ${codes.total} recovery codes are unused.` : '';
  return `An authenticator app is set up: logging in asks for its code.${left}`;
}

export function secondFactorView(doc, win, { session, prompt, failed, enrolled }) {
  const byId = (id) => doc.getElementById(id);
  const status = byId('factor-status');
  const summary = byId('factor-state');
  const buttons = {
    setup: byId('factor-setup'),
    regenerate: byId('factor-regenerate'),
    remove: byId('factor-remove'),
  };
  // Taken now: while the panel is off the page, getElementById finds none of them.
  const secretText = byId('totp-secret');
  const uriText = byId('totp-uri');
  const recoveryDone = byId('recovery-done');
  const close = byId('factor-close');
  const totpForm = byId('totp-form');
  const recoveryBox = byId('recovery-box');
  const codesList = byId('recovery-codes');
  const form = formController(doc, {
    form: totpForm,
    prefix: 'totp-',
    status: byId('totp-status'),
    submit: byId('totp-submit'),
    fields: CODE_FIELDS,
  });

  function say(message, options) {
    setStatus(status, message, options);
  }

  function report(result) {
    failed(result);
    say(result.general.join(' '), { error: true });
  }

  async function refresh() {
    const factors = await loadFactors(session);
    if (!factors.ok) {
      report(factors);
      return;
    }
    summary.textContent = factorSummary(factors);
    const busy = !totpForm.hidden || !recoveryBox.hidden;
    buttons.setup.hidden = factors.totp || busy;
    buttons.regenerate.hidden = !factors.totp || busy;
    buttons.remove.hidden = !factors.totp || busy;
  }

  function closeSetup() {
    form.clear();
    secretText.textContent = '';
    uriText.textContent = '';
    totpForm.hidden = true;
  }

  // Codes are shown until the user says they kept them, then leave the page.
  function showCodes(codes) {
    codesList.replaceChildren(...codes.map((code) => element(doc, 'li', { text: code })));
    recoveryBox.hidden = false;
    recoveryDone.focus();
  }

  function hideCodes() {
    codesList.replaceChildren();
    recoveryBox.hidden = true;
  }

  buttons.setup.addEventListener('click', async () => {
    say('');
    const result = await newTotpSecret(session);
    if (!result.ok) {
      report(result);
      return;
    }
    if (result.active) {
      await refresh();
      return;
    }
    secretText.textContent = result.secret;
    uriText.textContent = result.uri;
    totpForm.hidden = false;
    await refresh();
    form.focus();
  });

  totpForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitForm(
      form,
      (values) => withReauthentication(prompt, () => activateTotp(session, values.code)),
      {
        failed,
        async saved() {
          closeSetup();
          say(FACTOR_MESSAGES.activated);
          const codes = await withReauthentication(prompt, () => showRecoveryCodes(session));
          if (codes.ok) {
            showCodes(codes.codes);
            await refresh();
          } else {
            report(codes);
            await refresh();
            enrolled();
          }
        },
      },
    );
  });
  byId('totp-cancel').addEventListener('click', async () => {
    closeSetup();
    await refresh();
    buttons.setup.focus();
  });

  buttons.regenerate.addEventListener('click', async () => {
    if (!win.confirm('Make new recovery codes? The old ones stop working.')) {
      return;
    }
    const result = await withReauthentication(prompt, () => regenerateRecoveryCodes(session));
    if (!result.ok) {
      report(result);
      return;
    }
    say(FACTOR_MESSAGES.regenerated);
    showCodes(result.codes);
    await refresh();
  });

  buttons.remove.addEventListener('click', async () => {
    if (!win.confirm('Remove the authenticator app? Logging in will need only your password.')) {
      return;
    }
    const result = await withReauthentication(prompt, () => removeTotp(session));
    if (!result.ok) {
      report(result);
      return;
    }
    say(FACTOR_MESSAGES.removed);
    await refresh();
    buttons.setup.focus();
  });

  recoveryDone.addEventListener('click', async () => {
    hideCodes();
    say('');
    await refresh();
    enrolled();
  });

  return {
    /** Bring the panel up to date and focus its first control. */
    async show() {
      await refresh();
      (buttons.setup.hidden ? close : buttons.setup).focus();
    },

    /** Forget everything shown (at log-out): no key or code stays in the page. */
    clear() {
      closeSetup();
      hideCodes();
      summary.textContent = '';
      say('');
    },
  };
}
