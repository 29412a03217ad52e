// The customers part of the page: the list, the add and edit forms, and what
// a row's buttons do. app.js decides when it shows and for which permissions.
import { deleteCustomer, saveCustomer, setActive } from './api.js';
import { setStatus, slot } from './dom.js';
import { formController, submitForm } from './forms.js';
import { customerList } from './list.js';

function customerName(customer) {
  return `${customer.first_name} ${customer.last_name}`.trim();
}

export function customersView(doc, win, { session, failed, pageStatus }) {
  const byId = (id) => doc.getElementById(id);
  const editHeading = byId('edit-heading');
  const panels = {
    create: slot(doc, byId('create-panel')),
    edit: slot(doc, byId('edit-panel')),
    list: slot(doc, byId('list-panel')),
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
  const state = { can: null, editing: null };

  function showPanels() {
    const can = state.can ?? {};
    panels.list.show(Boolean(can.view));
    panels.create.show(Boolean(can.add));
    panels.edit.show(Boolean(can.change) && state.editing !== null);
    panels.actions.show(Boolean(can.change || can.delete));
  }

  function stopEditing() {
    state.editing = null;
    editForm.clear();
    showPanels();
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
    if (action === 'delete' && !win.confirm(`Delete ${name}? This cannot be undone.`)) {
      return;
    }
    const active = action === 'reactivate';
    const result =
      action === 'delete'
        ? await deleteCustomer(session, customer.id)
        : await setActive(session, customer.id, active);
    if (!result.ok) {
      failed(result);
      list.status(result.message, { error: true });
      return;
    }
    if (action === 'delete') {
      list.remove(customer.id);
      if (state.editing?.id === customer.id) {
        stopEditing();
      }
    } else {
      list.replace(result.customer);
    }
    list.focus();
    const done = { delete: 'Deleted', reactivate: 'Reactivated', deactivate: 'Deactivated' };
    list.status(`${done[action]} ${name}.`);
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

  return {
    /**
     * Show what `can` allows (null: nothing), loading the list when asked;
     * the forms keep what was typed.
     */
    show(can, { load = false } = {}) {
      state.can = can;
      showPanels();
      if (can?.view && load) {
        // The failure the forms showed is over; what was typed in them stays.
        createForm.status('');
        editForm.status('');
        list.show(can);
      }
    },

    /** Whether the add form holds anything typed or an edit is open. */
    hasTyping() {
      return (
        state.editing !== null ||
        Object.values(createForm.values()).some((value) => value.trim() !== '')
      );
    },

    /** Forget what was typed: at log-out, or when someone else logs in. */
    forgetTyping() {
      createForm.clear();
      stopEditing();
    },

    clearList() {
      list.clear();
    },
  };
}
