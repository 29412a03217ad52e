import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  countMessage,
  customerRow,
  element,
  formatDate,
  rowActions,
  setFieldErrors,
  setStatus,
  slot,
} from '../src/dom.js';
import { FakeElement, child, fakeDocument as makeDocument } from './fake-dom.js';

const fakeDocument = makeDocument();

function countElements(node) {
  return 1 + node.children.reduce((sum, each) => sum + countElements(each), 0);
}

const customer = {
  id: 1,
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@example.com',
  phone: '+44 20 7946 0000',
  company: 'Analytical Engines',
  is_active: true,
  created_at: '2024-03-01T09:30:00Z',
  updated_at: '2024-03-01T09:30:00Z',
};

describe('customerRow', () => {
  it('builds one row with a header cell for the name and one cell per field', () => {
    const row = customerRow(fakeDocument, customer, { locale: 'en-GB' });
    assert.equal(row.tagName, 'TR');
    assert.deepEqual(
      row.children.map((cell) => cell.tagName),
      ['TH', 'TD', 'TD', 'TD', 'TD', 'TD'],
    );
    assert.equal(row.children[0].getAttribute('scope'), 'row');
    assert.deepEqual(
      row.children.slice(0, 5).map((cell) => cell.textContent),
      ['Ada Lovelace', 'ada@example.com', '+44 20 7946 0000', 'Analytical Engines', 'Active'],
    );
    const time = row.children[5].children[0];
    assert.equal(time.tagName, 'TIME');
    assert.equal(time.getAttribute('datetime'), '2024-03-01T09:30:00Z');
    assert.match(time.textContent, /2024/);
  });

  it('shows markup in customer data as text, never as elements', () => {
    const payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    const hostile = {
      ...customer,
      first_name: payload,
      last_name: '</th><td>',
      email: '"><b>bold</b>@example.com',
      phone: '&lt;script&gt;',
      company: '<style>*{display:none}</style>',
      created_at: '<svg onload=alert(3)>',
    };
    const plain = customerRow(fakeDocument, customer);
    const row = customerRow(fakeDocument, hostile);
    assert.equal(countElements(row), countElements(plain), 'the same elements as for plain data');
    assert.equal(row.children[0].textContent, `${payload} </th><td>`);
    assert.equal(row.children[1].textContent, hostile.email);
    assert.equal(row.children[2].textContent, '&lt;script&gt;');
    assert.equal(row.children[3].textContent, hostile.company);
    assert.equal(row.children[5].children[0].getAttribute('datetime'), hostile.created_at);
    assert.equal(row.children[5].textContent, hostile.created_at);
    const html = row.toHTML();
    assert.doesNotMatch(html, /<(img|script|b|style|svg)\b/);
    assert.match(html, /<th scope="row">&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/);
    assert.ok(fakeDocument.created.every((tag) => ['TR', 'TH', 'TD', 'TIME'].includes(tag)));
  });

  it('copes with missing optional fields and inactive customers', () => {
    const row = customerRow(fakeDocument, {
      id: 2,
      first_name: 'Bo',
      last_name: null,
      email: 'b@x.io',
      is_active: false,
    });
    assert.equal(row.children[0].textContent, 'Bo');
    assert.equal(row.children[2].textContent, '');
    assert.equal(row.children[4].textContent, 'Inactive');
    assert.equal(row.children[4].className, 'status status-inactive');
    assert.equal(row.children[5].children.length, 0);
  });
});

describe('rowActions and the actions cell', () => {
  const editor = { view: true, add: true, change: true, delete: false };
  const manager = { ...editor, delete: true };

  it('gives a viewer no controls at all: six cells, no button made', () => {
    const doc = makeDocument();
    const row = customerRow(doc, customer, { can: { view: true } });
    assert.equal(row.children.length, 6);
    assert.deepEqual(rowActions(doc, customer, { view: true }), []);
    assert.ok(!doc.created.includes('BUTTON'));
  });

  it('gives an editor Edit and Deactivate, named for the customer', () => {
    const row = customerRow(makeDocument(), customer, { can: editor });
    assert.equal(row.getAttribute('data-id'), '1');
    const cell = row.children[6];
    assert.equal(cell.className, 'row-actions');
    assert.deepEqual(
      cell.children.map((b) => [
        b.textContent,
        b.getAttribute('data-action'),
        b.getAttribute('type'),
      ]),
      [
        ['Edit', 'edit', 'button'],
        ['Deactivate', 'deactivate', 'button'],
      ],
    );
    assert.equal(cell.children[0].getAttribute('data-id'), '1');
    assert.equal(cell.children[0].getAttribute('aria-label'), 'Edit Ada Lovelace');
  });

  it('offers Reactivate for an inactive customer, and Delete only with delete', () => {
    const inactive = { ...customer, is_active: false };
    const actions = (can, c = customer) =>
      rowActions(makeDocument(), c, can).map((b) => b.getAttribute('data-action'));
    assert.deepEqual(actions(editor, inactive), ['edit', 'reactivate']);
    assert.deepEqual(actions(manager), ['edit', 'deactivate', 'delete']);
    assert.deepEqual(actions({ view: true, delete: true }), ['delete']);
  });

  it('keeps a hostile name as attribute text', () => {
    const hostile = { ...customer, first_name: '"><script>x</script>' };
    const row = customerRow(makeDocument(), hostile, { can: editor });
    const html = row.toHTML();
    assert.doesNotMatch(html, /<script/);
    assert.match(html, /aria-label="Edit &quot;&gt;&lt;script&gt;x&lt;\/script&gt; Lovelace"/);
  });
});

describe('setStatus', () => {
  it('shows a message as text, marks errors, and hides when empty', () => {
    const output = new FakeElement('p');
    setStatus(output, '<b>Saved</b>');
    assert.equal(output.textContent, '<b>Saved</b>');
    assert.equal(output.hidden, false);
    assert.equal(output.classList.contains('is-error'), false);
    setStatus(output, 'Failed.', { error: true });
    assert.equal(output.classList.contains('is-error'), true);
    setStatus(output, '');
    assert.equal(output.hidden, true);
    assert.equal(output.classList.contains('is-error'), false);
  });
});

describe('slot', () => {
  it('takes a part out of the document and puts it back in its place, as typed', () => {
    const doc = makeDocument();
    const before = child(doc, doc.body, 'p', 'before');
    const panel = child(doc, doc.body, 'section', 'panel');
    const input = child(doc, panel, 'input', 'field');
    const after = child(doc, doc.body, 'p', 'after');
    panel.hidden = true;
    const part = slot(doc, panel);
    part.show(false);
    assert.equal(part.shown, false);
    assert.equal(doc.getElementById('panel'), null);
    assert.equal(doc.getElementById('field'), null, 'nothing inside can be found');
    input.value = 'typed before it went';
    part.show(true);
    assert.equal(part.shown, true);
    assert.equal(panel.hidden, false);
    const elements = doc.body.children.filter((n) => n instanceof FakeElement);
    assert.deepEqual(elements, [before, panel, after]);
    assert.equal(doc.getElementById('field').value, 'typed before it went');
    part.show(true);
    assert.equal(doc.body.children.filter((n) => n === panel).length, 1, 'shown once');
  });
});

describe('element', () => {
  it('sets class, attributes and text without parsing markup', () => {
    const node = element(fakeDocument, 'p', {
      className: 'note',
      text: '<b>x</b>',
      attributes: { id: 'n' },
    });
    assert.equal(node.className, 'note');
    assert.equal(node.getAttribute('id'), 'n');
    assert.equal(node.textContent, '<b>x</b>');
    assert.equal(node.children.length, 0);
  });
});

describe('setFieldErrors', () => {
  it('shows messages as text and marks the input invalid, then clears both', () => {
    const input = new FakeElement('input');
    const output = new FakeElement('p');
    setFieldErrors(input, output, ['<i>Bad</i> email.', 'Second.']);
    assert.equal(output.textContent, '<i>Bad</i> email. Second.');
    assert.equal(output.children.length, 0);
    assert.equal(output.hidden, false);
    assert.equal(input.getAttribute('aria-invalid'), 'true');
    setFieldErrors(input, output, []);
    assert.equal(output.textContent, '');
    assert.equal(output.hidden, true);
    assert.equal(input.getAttribute('aria-invalid'), null);
  });
});

describe('formatDate', () => {
  it('formats an ISO timestamp and passes anything else through', () => {
    assert.match(formatDate('2024-03-01T09:30:00Z', 'en-GB'), /1 Mar 2024/);
    assert.equal(formatDate('not a date'), 'not a date');
    assert.equal(formatDate(null), '');
  });
});

describe('countMessage', () => {
  it('describes an empty list, a search and more pages', () => {
    assert.equal(countMessage(0), 'No customers yet.');
    assert.equal(countMessage(0, { search: 'zz' }), 'No customers match “zz”.');
    assert.equal(countMessage(1), 'Showing 1 customer.');
    assert.equal(
      countMessage(50, { search: 'sm', more: true }),
      'Showing 50 customers matching “sm”, more available.',
    );
  });
});
