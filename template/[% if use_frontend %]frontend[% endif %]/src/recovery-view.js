// "Forgot your password?" and the form that sets a new one from the mailed
// link. The reset key lives only in this module's memory once the page has
// read it from the address (routes.js), and goes to the API in a POST body.
import { setStatus } from './dom.js';
import { formController, submitForm } from './forms.js';
import { RESET_FIELDS, RESET_MESSAGES, requestReset, resetPassword } from './password-reset.js';

export function recoveryView(doc, { session, go, loggedOut }) {
  const byId = (id) => doc.getElementById(id);
  const email = byId('forgot-email');
  const forgotStatus = byId('forgot-status');
  const forgotSubmit = byId('forgot-submit');
  const resetForm = formController(doc, {
    form: byId('reset-form'),
    prefix: 'reset-',
    status: byId('reset-status'),
    submit: byId('reset-submit'),
    fields: RESET_FIELDS,
  });
  let key = null;
  let sending = false;

  byId('forgot-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (sending) {
      return;
    }
    sending = true;
    forgotSubmit.setAttribute('aria-disabled', 'true');
    setStatus(forgotStatus, 'Sending…');
    const result = await requestReset(session, email.value);
    sending = false;
    forgotSubmit.removeAttribute('aria-disabled');
    // The address stays typed, for a retry or to see where the link went.
    setStatus(forgotStatus, result.message, { error: !result.ok });
  });
  byId('forgot-cancel').addEventListener('click', () => go('login'));

  byId('reset-form').addEventListener('submit', (event) => {
    event.preventDefault();
    submitForm(resetForm, (values) => resetPassword(session, key, values.password), {
      saved() {
        key = null;
        resetForm.clear();
        loggedOut(RESET_MESSAGES.done);
      },
      failed(result) {
        if (result.kind === 'invalid-key') {
          key = null;
          resetForm.clear();
          go('forgot');
          setStatus(forgotStatus, RESET_MESSAGES.invalidKey, { error: true });
          email.focus();
        }
      },
    });
  });
  byId('reset-cancel').addEventListener('click', () => {
    key = null;
    resetForm.clear();
    go('login');
  });

  return {
    /** The forgot form, focused, without an earlier answer. */
    forgot() {
      setStatus(forgotStatus, '');
      email.focus();
    },

    /** The reset form for `resetKey`, focused. */
    reset(resetKey) {
      key = resetKey;
      resetForm.clear();
      resetForm.focus();
    },
  };
}
