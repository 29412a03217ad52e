// allauth asks for the password again before a security change (a second
// factor added or removed, recovery codes shown). The prompt is a small form;
// `withReauthentication` runs an action, asks when allauth wants it, and runs
// the action once more after the password was confirmed.
import { setStatus } from './dom.js';
import { formController } from './forms.js';
import { MESSAGES } from './http.js';

export const NOT_CONFIRMED = 'Nothing was changed: the password was not confirmed.';

/**
 * `action()` resolves to a result; when its kind is 'reauthenticate',
 * `prompt.ask()` (a promise of true once confirmed, false if cancelled)
 * comes first and the action runs again.
 */
export async function withReauthentication(prompt, action) {
  const result = await action();
  if (result.kind !== 'reauthenticate') {
    return result;
  }
  if (!(await prompt.ask())) {
    return { ok: false, kind: 'cancelled', fields: {}, general: [NOT_CONFIRMED] };
  }
  return action();
}

/**
 * The password prompt in #reauth-panel; `show(visible)` puts it on the page
 * or takes it off; `failed(result)` sees every failure first.
 */
export function reauthenticationPrompt(doc, { session, show, failed }) {
  const byId = (id) => doc.getElementById(id);
  const form = formController(doc, {
    form: byId('reauth-form'),
    prefix: 'reauth-',
    status: byId('reauth-status'),
    submit: byId('reauth-submit'),
    fields: ['password'],
  });
  const status = byId('reauth-status');
  let waiting = null;

  function finish(confirmed) {
    form.clear();
    show(false);
    const resolve = waiting;
    waiting = null;
    resolve?.(confirmed);
  }

  byId('reauth-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (form.busy) {
      return;
    }
    form.setBusy(true);
    setStatus(status, 'Checking…');
    const result = await session.reauthenticate(form.values().password);
    form.setBusy(false);
    if (result.ok) {
      finish(true);
      return;
    }
    failed(result);
    // A wrong password is cleared for the next try, as at log-in.
    form.fill({ password: '' });
    form.showErrors(result.fields);
    form.status((result.general.length > 0 ? result.general : [MESSAGES.invalid]).join(' '), {
      error: true,
    });
    form.focus();
  });
  byId('reauth-cancel').addEventListener('click', () => finish(false));

  return {
    ask() {
      waiting?.(false);
      return new Promise((resolve) => {
        waiting = resolve;
        form.clear();
        show(true);
        form.focus();
      });
    },

    /** Take the prompt away (at log-out): a pending action is not run. */
    cancel() {
      if (waiting) {
        finish(false);
      }
    },
  };
}
