// The page: who is logged in, which of its parts they see, and the links from
// mails (#/reset/<key>, #/invite/<key>). The parts live in the *-view.js
// modules and their logic in the modules those use, which the tests cover;
// this file connects them to each other and to the elements of index.html.
import { acceptView } from './accept-view.js';
import { customersView } from './customers-view.js';
import { setStatus, slot } from './dom.js';
import { secondFactorView } from './factor-view.js';
import { formController, submitForm } from './forms.js';
import { MESSAGES } from './http.js';
import { INVITATION_PERMISSIONS } from './invitations.js';
import { invitationsView } from './invitations-view.js';
import { loginView } from './login-view.js';
import { reauthenticationPrompt } from './reauthentication.js';
import { recoveryView } from './recovery-view.js';
import { takeRoute } from './routes.js';
import {
  LOGIN_MESSAGES,
  PASSWORD_FIELDS,
  createSession,
  mustEnrol,
  permissionsOf,
  userLabel,
} from './session.js';

const NO_ACCESS = 'Your account may not see customers. Ask an administrator for access.';
const LOG_OUT_FIRST = 'You are logged in: log out to use the link from the mail.';

// The panels someone who is not logged in may see, one at a time.
const OUTSIDE = ['login', 'code', 'forgot', 'reset', 'accept'];

function loggedInAgain(username) {
  return `Logged in again as ${username}. What you typed is still in the form: submit it again.`;
}

function start(doc, win) {
  const byId = (id) => doc.getElementById(id);
  const session = createSession((...args) => win.fetch(...args));
  const pageStatus = byId('page-status');
  const sessionBar = byId('session');
  const sessionUser = byId('session-user');
  const factorClose = byId('factor-close');
  const passwordOpen = byId('password-open');
  const factorOpen = byId('factor-open');
  const panels = Object.fromEntries(
    [...OUTSIDE, 'password', 'factor', 'reauth', 'invitations'].map((name) => [
      name,
      slot(doc, byId(`${name}-panel`)),
    ]),
  );
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
    outside: 'login',
    // A link from a mail opened while logged in: used after log-out.
    route: null,
    changingPassword: false,
    factorOpen: false,
    // The API refuses this account until it has a second factor.
    enrolling: false,
    reauthenticating: false,
  };

  function showPanels() {
    const signedIn = state.me !== null;
    const working = signedIn && !state.enrolling;
    sessionBar.hidden = !signedIn;
    sessionUser.textContent = userLabel(state.me);
    for (const name of OUTSIDE) {
      panels[name].show(!signedIn && state.outside === name);
    }
    customers.show(working ? state.can : null);
    panels.password.show(signedIn && state.changingPassword);
    panels.factor.show(signedIn && (state.factorOpen || state.enrolling));
    panels.reauth.show(signedIn && state.reauthenticating);
    panels.invitations.show(working && state.can.invite);
    // Until the account has its required second factor, there is nothing to go back to.
    factorClose.hidden = state.enrolling;
    passwordOpen.setAttribute('aria-expanded', String(state.changingPassword));
    factorOpen.setAttribute('aria-expanded', String(state.factorOpen));
  }

  // Passwords are never kept for later, not even through an ended session.
  function closePasswordForm() {
    state.changingPassword = false;
    passwordForm.clear();
    showPanels();
  }

  function go(view, route = {}) {
    state.outside = view;
    showPanels();
    setStatus(pageStatus, '');
    if (view === 'login') {
      login.focus();
    } else if (view === 'forgot') {
      recovery.forgot();
    } else if (view === 'reset') {
      recovery.reset(route.key);
    } else if (view === 'accept') {
      accept.open(route.key);
    }
  }

  function signedOut(message, { error = false, name = null } = {}) {
    closePasswordForm();
    prompt.cancel();
    factors.clear();
    invitations.clear();
    customers.clearList();
    Object.assign(state, {
      me: null,
      can: permissionsOf(null),
      factorOpen: false,
      enrolling: false,
    });
    const route = state.route;
    state.route = null;
    if (route !== null) {
      go(route.name === 'invite' ? 'accept' : route.name, route);
      return;
    }
    go('login');
    setStatus(pageStatus, message, { error });
    login.focus({ name });
  }

  function signedIn(me) {
    if (state.owner !== null && state.owner !== me.username) {
      customers.forgetTyping();
    }
    const kept = state.owner === me.username && customers.hasTyping();
    state.owner = me.username;
    state.me = me;
    state.can = { ...permissionsOf(me), ...invitationRights(me) };
    state.enrolling = mustEnrol(me);
    showPanels();
    if (state.enrolling) {
      enrol();
      return;
    }
    if (state.can.invite) {
      invitations.show({ canRevoke: state.can.revoke });
    }
    if (!state.can.view) {
      setStatus(pageStatus, state.can.invite ? '' : NO_ACCESS, { error: true });
      return;
    }
    setStatus(pageStatus, kept ? loggedInAgain(me.username) : '');
    customers.show(state.can, { load: true });
  }

  function invitationRights(me) {
    const granted = new Set(me.permissions);
    return {
      invite: granted.has(INVITATION_PERMISSIONS.invite),
      revoke: granted.has(INVITATION_PERMISSIONS.revoke),
    };
  }

  // The account must set up a second factor before anything else.
  function enrol() {
    state.enrolling = true;
    showPanels();
    setStatus(pageStatus, MESSAGES.secondFactorRequired, { error: true });
    factors.show();
  }

  // Every failed request comes here first: an ended session brings back the
  // log-in form (what was typed stays in the forms), a refusal brings the
  // page in line with the user's current permissions, and an account without
  // its required second factor is sent to set one up.
  function failed(result) {
    if (result.kind === 'signed-out') {
      signedOut(MESSAGES.signedOut, { error: true });
    } else if (result.kind === 'second-factor-required') {
      enrol();
    } else if (result.me) {
      const before = JSON.stringify(state.can);
      state.me = result.me;
      state.can = { ...permissionsOf(result.me), ...invitationRights(result.me) };
      showPanels();
      // Said at the top too: the form that was refused may no longer be shown.
      setStatus(pageStatus, MESSAGES.forbidden, { error: true });
      if (JSON.stringify(state.can) !== before && state.can.view) {
        customers.show(state.can, { load: true });
      }
    }
  }

  const customers = customersView(doc, win, { session, failed, pageStatus });
  const login = loginView(doc, { session, signedIn, go });
  const recovery = recoveryView(doc, { session, go, loggedOut: signedOut });
  const accept = acceptView(doc, { session, loggedOut: signedOut });
  const invitations = invitationsView(doc, win, { session, failed });
  const prompt = reauthenticationPrompt(doc, {
    session,
    failed,
    show(visible) {
      state.reauthenticating = visible;
      showPanels();
    },
  });
  const factors = secondFactorView(doc, win, {
    session,
    prompt,
    failed,
    // Set up (or codes kept): the account may now use the API.
    async enrolled() {
      if (!state.enrolling) {
        return;
      }
      const current = await session.me();
      if (current.ok) {
        state.enrolling = false;
        signedIn({ ...current.me, secondFactor: { ...current.me.secondFactor, enrolled: true } });
      }
    },
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

  factorOpen.addEventListener('click', () => {
    state.factorOpen = true;
    showPanels();
    factors.show();
  });
  factorClose.addEventListener('click', () => {
    state.factorOpen = false;
    showPanels();
    factorOpen.focus();
  });

  byId('logout').addEventListener('click', async () => {
    const result = await session.logout();
    if (!result.ok) {
      const reason = result.kind === 'network' ? MESSAGES.network : MESSAGES.generic;
      setStatus(pageStatus, `Could not log out. ${reason}`, { error: true });
      return;
    }
    // Logged out on purpose: nothing typed stays for the next person here.
    state.owner = null;
    customers.forgetTyping();
    signedOut(LOGIN_MESSAGES.loggedOut);
  });

  // A link from a mail: read once, and taken out of the address at once.
  function followLink() {
    const route = takeRoute(win);
    if (route === null) {
      return;
    }
    if (state.me !== null) {
      state.route = route;
      setStatus(pageStatus, LOG_OUT_FIRST);
      return;
    }
    go(route.name === 'invite' ? 'accept' : route.name, route);
  }
  win.addEventListener('hashchange', followLink);

  // Nothing shows until the API says who is logged in.
  for (const panel of Object.values(panels)) {
    panel.show(false);
  }
  customers.show(null);
  const route = takeRoute(win);
  session.me().then((result) => {
    state.route = route;
    if (result.ok) {
      signedIn(result.me);
      if (route !== null) {
        setStatus(pageStatus, LOG_OUT_FIRST);
      }
    } else if (result.kind === 'signed-out') {
      signedOut('');
    } else {
      signedOut(result.kind === 'network' ? MESSAGES.network : MESSAGES.generic, { error: true });
    }
  });
}

start(document, window);
