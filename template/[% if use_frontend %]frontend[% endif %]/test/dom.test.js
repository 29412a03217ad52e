import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { countMessage, customerRow, element, formatDate, setFieldErrors } from '../src/dom.js';

// Just enough of a DOM to build rows with. Anything that parses markup
// throws, so a test fails if the code ever reaches for it.
class FakeElement {
  constructor(tagName) {
    this.tagName = tagName.toUpperCase();
    this.children = [];
    this.attributes = new Map();
    this.className = '';
    this.hidden = false;
    this.text = '';
  }

  get textContent() {
    return this.text + this.children.map((child) => child.textContent).join('');
  }

  set textContent(value) {
    this.children = [];
    this.text = String(value);
  }

  appendChild(child) {
    assert.ok(child instanceof FakeElement, 'only elements are appended');
    this.children.push(child);
    return child;
  }

  setAttribute(name, value) {
    assert.doesNotMatch(name, /^on/i, 'no event handler attributes');
    assert.notEqual(name.toLowerCase(), 'style', 'no inline styles (CSP)');
    this.attributes.set(name, String(value));
  }

  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }

  removeAttribute(name) {
    this.attributes.delete(name);
  }

  // Serialised the way a browser would: text is always escaped.
  toHTML() {
    const escape = (s) =>
      s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const tag = this.tagName.toLowerCase();
    const attributes = [...this.attributes].map(([k, v]) => ` ${k}="${escape(v)}"`).join('');
    const cls = this.className ? ` class="${escape(this.className)}"` : '';
    const inner = escape(this.text) + this.children.map((child) => child.toHTML()).join('');
    return `<${tag}${cls}${attributes}>${inner}</${tag}>`;
  }
}

for (const property of ['innerHTML', 'outerHTML']) {
  Object.defineProperty(FakeElement.prototype, property, {
    get() {
      throw new Error(`${property} read`);
    },
    set() {
      throw new Error(`${property} written`);
    },
  });
}
FakeElement.prototype.insertAdjacentHTML = () => {
  throw new Error('insertAdjacentHTML called');
};

const fakeDocument = {
  created: [],
  createElement(tag) {
    const node = new FakeElement(tag);
    this.created.push(node.tagName);
    return node;
  },
  write() {
    throw new Error('document.write called');
  },
};

function countElements(node) {
  return 1 + node.children.reduce((sum, child) => sum + countElements(child), 0);
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
