// The log-in form and, for an account with a second factor, the code step
// after it. `signedIn(me)` gets the user once both are done; `go(view)`
// switches between the panels shown to someone not logged in.
import { setStatus } from './dom.js';
import { LOGIN_MESSAGES } from './session.js';

export function loginView(doc, { session, signedIn, go }) {
  const byId = (id) => doc.getElementById(id);
  const username = byId('username');
  const password = byId('password');
  const loginStatus = byId('login-status');
  const loginSubmit = byId('login-submit');
  const code = byId('code');
  const codeStatus = byId('code-status');
  const codeSubmit = byId('code-submit');
  let busy = false;

  // One step at a time: a second submit waits for the first.
  async function step(submit, status, message, run) {
    if (busy) {
      return null;
    }
    busy = true;
    submit.setAttribute('aria-disabled', 'true');
    setStatus(status, message);
    try {
      return await run();
    } finally {
      busy = false;
      submit.removeAttribute('aria-disabled');
    }
  }

  function done(result) {
    password.value = '';
    code.value = '';
    setStatus(loginStatus, '');
    setStatus(codeStatus, '');
    signedIn(result.me);
  }

  byId('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await step(loginSubmit, loginStatus, 'Logging in…', () =>
      session.login(username.value, password.value),
    );
    if (result === null) {
      return;
    }
    if (result.ok) {
      done(result);
      return;
    }
    if (result.kind === 'second-factor') {
      password.value = '';
      setStatus(loginStatus, '');
      code.value = '';
      setStatus(codeStatus, result.message);
      go('code');
      code.focus();
      return;
    }
    setStatus(loginStatus, result.message, { error: true });
    // A wrong password is cleared for the next try; anything else (a
    // lock-out, the network) keeps what was typed for when it clears.
    if (result.kind === 'invalid') {
      password.value = '';
      password.focus();
    }
  });

  byId('code-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await step(codeSubmit, codeStatus, 'Checking the code…', () =>
      session.secondFactor(code.value),
    );
    if (result === null) {
      return;
    }
    if (result.ok) {
      done(result);
      return;
    }
    if (result.kind === 'expired') {
      code.value = '';
      setStatus(codeStatus, '');
      go('login');
      setStatus(loginStatus, result.message, { error: true });
      return;
    }
    setStatus(codeStatus, result.message, { error: true });
    if (result.kind === 'invalid') {
      code.value = '';
    }
    code.focus();
  });

  byId('code-cancel').addEventListener('click', () => {
    code.value = '';
    setStatus(codeStatus, '');
    go('login');
  });
  byId('forgot-open').addEventListener('click', () => go('forgot'));

  return {
    /** Focus the log-in form: the password when the username is typed in already. */
    focus({ name = null } = {}) {
      if (name !== null) {
        username.value = name;
      }
      (username.value.trim() === '' ? username : password).focus();
    },
  };
}
