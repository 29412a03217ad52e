// For managers: invite someone by e-mail with a role, and the invitations
// sent so far, each pending one with a Revoke button.
import { element, formatDate, setStatus } from './dom.js';
import { formController, submitForm } from './forms.js';
import {
  INVITE_FIELDS,
  invitationState,
  invite,
  listInvitations,
  revokeInvitation,
} from './invitations.js';

/** One row of the list; a Revoke button only for a pending one, and only with `canRevoke`. */
export function invitationRow(doc, invitation, { canRevoke = false, locale } = {}) {
  const row = element(doc, 'tr', { attributes: { 'data-id': invitation.id } });
  row.appendChild(element(doc, 'th', { text: invitation.email, attributes: { scope: 'row' } }));
  row.appendChild(element(doc, 'td', { text: String(invitation.role ?? '') }));
  const state = invitationState(invitation);
  row.appendChild(element(doc, 'td', { text: state }));
  row.appendChild(
    element(doc, 'td', {
      text: invitation.expires_at ? formatDate(invitation.expires_at, locale) : '',
    }),
  );
  const actions = element(doc, 'td', { className: 'row-actions' });
  if (canRevoke && state === 'pending') {
    actions.appendChild(
      element(doc, 'button', {
        className: 'row-action',
        text: 'Revoke',
        attributes: {
          type: 'button',
          'data-action': 'revoke',
          'data-id': invitation.id,
          'aria-label': `Revoke the invitation for ${invitation.email}`,
        },
      }),
    );
  }
  row.appendChild(actions);
  return row;
}

export function invitationsView(doc, win, { session, failed }) {
  const byId = (id) => doc.getElementById(id);
  const rows = byId('invitation-rows');
  const listStatus = byId('invitations-status');
  const email = byId('invite-email');
  const form = formController(doc, {
    form: byId('invite-form'),
    prefix: 'invite-',
    status: byId('invite-status'),
    submit: byId('invite-submit'),
    fields: INVITE_FIELDS,
  });
  const state = { canRevoke: false, shown: new Map() };

  function render(invitations) {
    rows.replaceChildren();
    state.shown.clear();
    for (const invitation of invitations) {
      state.shown.set(String(invitation.id), invitation);
      rows.appendChild(invitationRow(doc, invitation, { canRevoke: state.canRevoke }));
    }
    setStatus(listStatus, invitations.length === 0 ? 'No invitations yet.' : '');
  }

  byId('invite-form').addEventListener('submit', (event) => {
    event.preventDefault();
    submitForm(form, (values) => invite(session, values), {
      failed,
      saved({ invitation }) {
        const role = form.values().role;
        form.clear();
        form.fill({ email: '', role });
        form.status(`Invitation sent to ${invitation.email}.`);
        render([invitation, ...state.shown.values()]);
        form.focus();
      },
    });
  });

  rows.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-action="revoke"]');
    const invitation = button && state.shown.get(button.dataset.id);
    if (!invitation || !win.confirm(`Revoke the invitation for ${invitation.email}?`)) {
      return;
    }
    const result = await revokeInvitation(session, invitation.id);
    if (!result.ok) {
      failed(result);
      setStatus(listStatus, result.general.join(' '), { error: true });
      return;
    }
    state.shown.set(String(invitation.id), result.invitation);
    render([...state.shown.values()]);
    email.focus();
    setStatus(listStatus, `Revoked the invitation for ${invitation.email}.`);
  });

  return {
    async show({ canRevoke }) {
      state.canRevoke = canRevoke;
      setStatus(listStatus, 'Loading invitations…');
      const result = await listInvitations(session);
      if (!result.ok) {
        failed(result);
        setStatus(listStatus, result.general.join(' '), { error: true });
        return;
      }
      render(result.invitations);
    },

    clear() {
      form.clear();
      rows.replaceChildren();
      state.shown.clear();
      setStatus(listStatus, '');
    },
  };
}
