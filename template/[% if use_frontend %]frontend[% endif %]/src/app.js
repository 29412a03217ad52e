// The page: log-in, who is logged in, and the customer list and forms that
// the user's permissions allow. The logic lives in the other modules, which
// the tests cover; this file connects them to the elements of index.html.
import { deleteCustomer, saveCustomer, setActive } from './api.js';
import { setStatus, slot } from './dom.js';
import { formController, submitForm } from './forms.js';
import { MESSAGES } from './http.js';
import { customerList } from './list.js';
import {
  LOGIN_MESSAGES,
  PASSWORD_FIELDS,
  createSession,
  permissionsOf,
  userLabel,
} from './session.js';

const NO_ACCESS = 'Your account may not see customers. Ask an administrator for access.';

function loggedInAgain(username) {
  return `Logged in again as ${username}. What you typed is still in the form: submit it again.`;
}

function customerName(customer) {
  return `${customer.first_name} ${customer.last_name}`.trim();
}

function start(doc, win) {
  const byId = (id) => doc.getElementById(id);
  const session = createSession((...args) => win.fetch(...args));
  const pageStatus = byId('page-status');
  const sessionBar = byId('session');
  const sessionUser = byId('session-user');
  const logoutButton = byId('logout');
  const passwordOpen = byId('password-open');
  const loginForm = byId('login-form');
  const loginStatus = byId('login-status');
  const loginSubmit = byId('login-submit');
  const username = byId('username');
  const password = byId('password');
  const editHeading = byId('edit-heading');
  const panels = {
    login: slot(doc, byId('login-panel')),
    create: slot(doc, byId('create-panel')),
    edit: slot(doc, byId('edit-panel')),
    list: slot(doc, byId('list-panel')),
    password: slot(doc, byId('password-panel')),
    actions: slot(doc, byId('actions-heading')),
  };
  const createForm = formController(doc, {
    form: byId('create-form'),
    status: byId('create-status'),
    submit: byId('create-submit'),
  });
  const editForm = formController(doc, {
    form: byId('edit-form'),
    prefix: 'edit-',
    status: byId('edit-status'),
    submit: byId('edit-submit'),
  });
  const passwordForm = formController(doc, {
    form: byId('password-form'),
    status: byId('password-status'),
    submit: byId('password-submit'),
    fields: PASSWORD_FIELDS,
  });

  const state = {
    me: null,
    can: permissionsOf(null),
    // Whose typing the forms hold: kept through an ended session for the
    // same user, never shown to someone else.
    owner: null,
    editing: null,
    changingPassword: false,
    loggingIn: false,
  };

  function showPanels() {
    const signedIn = state.me !== null;
    sessionBar.hidden = !signedIn;
    sessionUser.textContent = userLabel(state.me);
    panels.login.show(!signedIn);
    panels.list.show(signedIn && state.can.view);
    panels.create.show(signedIn && state.can.add);
    panels.edit.show(signedIn && state.can.change && state.editing !== null);
    panels.actions.show(signedIn && (state.can.change || state.can.delete));
    panels.password.show(signedIn && state.changingPassword);
    passwordOpen.setAttribute('aria-expanded', String(state.changingPassword));
  }

  // Passwords are never kept for later, not even through an ended session.
  function closePasswordForm() {
    state.changingPassword = false;
    passwordForm.clear();
    showPanels();
  }

  function stopEditing() {
    state.editing = null;
    editForm.clear();
    showPanels();
  }

  function forgetTyping() {
    createForm.clear();
    stopEditing();
  }

  function signedOut(message, { error = false } = {}) {
    closePasswordForm();
    state.me = null;
    state.can = permissionsOf(null);
    list.clear();
    showPanels();
    setStatus(pageStatus, message, { error });
    username.focus();
  }

  function signedIn(me) {
    if (state.owner !== null && state.owner !== me.username) {
      forgetTyping();
    }
    const kept = state.owner === me.username && (state.editing !== null || hasTyping());
    state.owner = me.username;
    state.me = me;
    state.can = permissionsOf(me);
    showPanels();
    if (!state.can.view) {
      setStatus(pageStatus, NO_ACCESS, { error: true });
      return;
    }
    // The failure the forms showed is over; what was typed in them stays.
    createForm.status('');
    editForm.status('');
    setStatus(pageStatus, kept ? loggedInAgain(me.username) : '');
    list.show(state.can);
  }

  function hasTyping() {
    return Object.values(createForm.values()).some((value) => value.trim() !== '');
  }

  // Every failed request comes here first: an ended session brings back the
  // log-in form (what was typed stays in the forms), and a refusal brings the
  // page in line with the user's current permissions.
  function failed(result) {
    if (result.kind === 'signed-out') {
      signedOut(MESSAGES.signedOut, { error: true });
    } else if (result.me) {
      const before = JSON.stringify(state.can);
      state.me = result.me;
      state.can = permissionsOf(result.me);
      showPanels();
      // Said at the top too: the form that was refused may no longer be shown.
      setStatus(pageStatus, MESSAGES.forbidden, { error: true });
      if (JSON.stringify(state.can) !== before && state.can.view) {
        list.show(state.can);
      }
    }
  }

  const list = customerList(doc, win, { session, failed, act });

  async function act(action, customer) {
    const name = customerName(customer);
    if (action === 'edit') {
      state.editing = customer;
      editHeading.textContent = `Edit ${name}`;
      editForm.clear();
      editForm.fill(customer);
      showPanels();
      editForm.focus();
      return;
    }
    if (action === 'delete') {
      if (!win.confirm(`Delete ${name}? This cannot be undone.`)) {
        return;
      }
      const result = await deleteCustomer(session, customer.id);
      if (result.ok) {
        list.remove(customer.id);
        list.focus();
        if (state.editing?.id === customer.id) {
          stopEditing();
        }
        list.status(`Deleted ${name}.`);
        return;
      }
      failed(result);
      list.status(result.message, { error: true });
      return;
    }
    const active = action === 'reactivate';
    const result = await setActive(session, customer.id, active);
    if (result.ok) {
      list.replace(result.customer);
      list.focus();
      list.status(`${active ? 'Reactivated' : 'Deactivated'} ${name}.`);
      return;
    }
    failed(result);
    list.status(result.message, { error: true });
  }

  byId('create-form').addEventListener('submit', (event) => {
    event.preventDefault();
    submitForm(createForm, (values) => saveCustomer(session, values), {
      failed,
      saved({ customer }) {
        setStatus(pageStatus, '');
        list.prepend(customer);
        createForm.clear();
        createForm.status(`Added ${customerName(customer)}.`);
        createForm.focus();
      },
    });
  });

  byId('edit-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const { id } = state.editing;
    submitForm(editForm, (values) => saveCustomer(session, values, { id }), {
      failed,
      saved({ customer }) {
        setStatus(pageStatus, '');
        list.replace(customer);
        stopEditing();
        list.focus();
        list.status(`Saved ${customerName(customer)}.`);
      },
    });
  });
  byId('edit-cancel').addEventListener('click', () => {
    stopEditing();
    list.focus();
  });

  passwordOpen.addEventListener('click', () => {
    state.changingPassword = true;
    showPanels();
    passwordForm.focus();
  });
  byId('password-cancel').addEventListener('click', closePasswordForm);
  byId('password-form').addEventListener('submit', (event) => {
    event.preventDefault();
    submitForm(passwordForm, (values) => session.changePassword(values), {
      failed,
      saved() {
        closePasswordForm();
        setStatus(pageStatus, LOGIN_MESSAGES.passwordChanged);
      },
    });
  });

  loginForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (state.loggingIn) {
      return;
    }
    state.loggingIn = true;
    loginSubmit.setAttribute('aria-disabled', 'true');
    setStatus(loginStatus, 'Logging in…');
    const result = await session.login(username.value, password.value);
    state.loggingIn = false;
    loginSubmit.removeAttribute('aria-disabled');
    if (!result.ok) {
      setStatus(loginStatus, result.message, { error: true });
      // A wrong password is cleared for the next try; anything else (a
      // lock-out, the network) keeps what was typed for when it clears.
      if (result.kind === 'invalid') {
        password.value = '';
        password.focus();
      }
      return;
    }
    password.value = '';
    setStatus(loginStatus, '');
    signedIn(result.me);
  });

  logoutButton.addEventListener('click', async () => {
    const result = await session.logout();
    if (!result.ok) {
      const reason = result.kind === 'network' ? MESSAGES.network : MESSAGES.generic;
      setStatus(pageStatus, `Could not log out. ${reason}`, { error: true });
      return;
    }
    // Logged out on purpose: nothing typed stays for the next person here.
    state.owner = null;
    forgetTyping();
    signedOut(LOGIN_MESSAGES.loggedOut);
  });

  // Nothing shows until the API says who is logged in.
  for (const panel of Object.values(panels)) {
    panel.show(false);
  }
  session.me().then((result) => {
    if (result.ok) {
      signedIn(result.me);
    } else if (result.kind === 'signed-out') {
      signedOut('');
    } else {
      signedOut(result.kind === 'network' ? MESSAGES.network : MESSAGES.generic, { error: true });
    }
  });
}

start(document, window);
