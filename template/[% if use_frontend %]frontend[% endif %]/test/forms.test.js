import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FORM_FIELDS } from '../src/api.js';
import { formController, submitForm } from '../src/forms.js';
import { MESSAGES } from '../src/http.js';
import { child, fakeDocument } from './fake-dom.js';

// The create form of index.html (or the edit form, with a prefix).
function page(prefix = '') {
  const doc = fakeDocument();
  const form = child(doc, doc.body, 'form', `${prefix}form`);
  const status = child(doc, form, 'p', `${prefix}status`);
  for (const field of FORM_FIELDS) {
    child(doc, form, 'input', `${prefix}${field}`);
    child(doc, form, 'p', `${prefix}${field}-error`);
  }
  const submit = child(doc, form, 'button', `${prefix}submit`);
  const controller = formController(doc, { form, prefix, status, submit });
  const input = (field) => doc.getElementById(`${prefix}${field}`);
  const error = (field) => doc.getElementById(`${prefix}${field}-error`);
  return { doc, form, status, submit, controller, input, error };
}

const typed = {
  first_name: 'Grace',
  last_name: 'Hopper',
  email: 'grace@example.com',
  phone: '',
  company: 'Navy',
};

describe('formController', () => {
  it('reads and fills the inputs with the prefix', () => {
    const { controller, input } = page('edit-');
    controller.fill({ ...typed, id: 4, phone: null });
    assert.equal(input('first_name').value, 'Grace');
    assert.equal(input('phone').value, '');
    assert.deepEqual(controller.values(), typed);
  });

  it('puts errors next to their fields and clears one as it is edited', () => {
    const { controller, input, error } = page();
    const first = controller.showErrors({ email: ['Taken.'], last_name: ['Blank.'] });
    assert.equal(first, 'last_name', 'the first in the form’s order');
    assert.equal(error('email').textContent, 'Taken.');
    assert.equal(input('email').getAttribute('aria-invalid'), 'true');
    input('email').dispatch('input');
    assert.equal(error('email').hidden, true);
    assert.equal(input('email').getAttribute('aria-invalid'), null);
    assert.equal(error('last_name').hidden, false);
  });

  it('clears everything for a new entry', () => {
    const { controller, status, error } = page();
    controller.fill(typed);
    controller.showErrors({ email: ['Taken.'] });
    controller.status('Failed.', { error: true });
    controller.clear();
    assert.deepEqual(Object.values(controller.values()), ['', '', '', '', '']);
    assert.equal(error('email').hidden, true);
    assert.equal(status.hidden, true);
  });
});

describe('submitForm', () => {
  it('saves what was typed and hands the result over', async () => {
    const { controller, status } = page();
    controller.fill(typed);
    const sent = [];
    let saved = null;
    await submitForm(
      controller,
      async (values) => {
        sent.push(values);
        assert.equal(controller.busy, true);
        assert.equal(status.textContent, 'Saving…');
        return { ok: true, customer: { id: 1 } };
      },
      { saved: (result) => (saved = result) },
    );
    assert.deepEqual(sent, [typed]);
    assert.deepEqual(saved, { ok: true, customer: { id: 1 } });
    assert.equal(controller.busy, false);
    assert.equal(status.hidden, true);
  });

  it('keeps every value after any failure, and says why', async () => {
    const failures = [
      { ok: false, kind: 'signed-out', fields: {}, general: [MESSAGES.signedOut] },
      { ok: false, kind: 'forbidden', fields: {}, general: [MESSAGES.forbidden] },
      { ok: false, kind: 'rate-limited', fields: {}, general: [MESSAGES.tooManyRequests] },
      { ok: false, kind: 'network', fields: {}, general: [MESSAGES.network] },
    ];
    for (const failure of failures) {
      const { controller, status, submit } = page();
      controller.fill(typed);
      const seen = [];
      await submitForm(controller, async () => failure, {
        saved: () => assert.fail('not saved'),
        failed: (result) => seen.push(result.kind),
      });
      assert.deepEqual(seen, [failure.kind]);
      assert.deepEqual(controller.values(), typed, failure.kind);
      assert.equal(status.textContent, failure.general[0]);
      assert.equal(status.classList.contains('is-error'), true);
      assert.equal(submit.getAttribute('aria-disabled'), null, 'can be submitted again');
    }
  });

  it('shows field errors, focusing the first invalid field', async () => {
    const { controller, status, input, error } = page();
    controller.fill(typed);
    const invalid = { ok: false, kind: 'invalid', fields: { email: ['Taken.'] }, general: [] };
    await submitForm(controller, async () => invalid, { saved: () => assert.fail('not saved') });
    assert.equal(error('email').textContent, 'Taken.');
    assert.equal(input('email').focused, 1);
    assert.equal(status.textContent, MESSAGES.invalid);
    assert.deepEqual(controller.values(), typed);
  });

  it('ignores a second submit while the first is saving', async () => {
    const { controller } = page();
    let release;
    let calls = 0;
    const save = () => {
      calls += 1;
      return new Promise((resolve) => (release = resolve));
    };
    const first = submitForm(controller, save, { saved: () => {} });
    await submitForm(controller, save, { saved: () => {} });
    release({ ok: true });
    await first;
    assert.equal(calls, 1);
  });

  it('is free again when saving throws', async () => {
    const { controller } = page();
    await assert.rejects(
      submitForm(controller, async () => {
        throw new Error('bug');
      }, { saved: () => {} }),
    );
    assert.equal(controller.busy, false);
  });
});
