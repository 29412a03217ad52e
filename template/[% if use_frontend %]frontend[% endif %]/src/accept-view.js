// Accepting an invitation (#/invite/<key>): the page shows the address and
// role it was sent for, and the invitee chooses a username and password.
// Then they log in like everyone else.
import { setStatus } from './dom.js';
import { formController, submitForm } from './forms.js';
import {
  ACCEPT_FIELDS,
  INVITATION_MESSAGES,
  acceptInvitation,
  checkInvitation,
} from './invitations.js';

export function acceptView(doc, { session, loggedOut }) {
  const byId = (id) => doc.getElementById(id);
  const summary = byId('accept-summary');
  const status = byId('accept-status');
  const form = formController(doc, {
    form: byId('accept-form'),
    prefix: 'accept-',
    status,
    submit: byId('accept-submit'),
    fields: ACCEPT_FIELDS,
  });
  let key = null;

  function refuse(message) {
    key = null;
    summary.textContent = '';
    form.clear();
    loggedOut(message, { error: true });
  }

  byId('accept-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (key === null) {
      return;
    }
    submitForm(form, (values) => acceptInvitation(session, key, values), {
      saved({ username }) {
        key = null;
        summary.textContent = '';
        form.clear();
        loggedOut(INVITATION_MESSAGES.accepted, { name: username });
      },
      failed(result) {
        if (result.kind === 'invalid-key') {
          refuse(result.general.join(' '));
        }
      },
    });
  });

  return {
    /** Look the key up and show what it invites to; a dead key goes back to log-in. */
    async open(inviteKey) {
      key = inviteKey;
      form.clear();
      summary.textContent = 'Checking the invitation…';
      const result = await checkInvitation(session, inviteKey);
      if (key !== inviteKey) {
        return;
      }
      if (!result.ok) {
        refuse(result.message);
        return;
      }
      summary.textContent = `You are invited as ${result.role}, for ${result.email}.`;
      setStatus(status, '');
      form.focus();
    },
  };
}
