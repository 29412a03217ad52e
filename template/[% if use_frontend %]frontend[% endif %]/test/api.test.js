import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  API_PATH,
  customerPayload,
  customerUrl,
  deleteCustomer,
  fetchPage,
  listUrl,
  nextPageUrl,
  normalizeSearch,
  parseValidationErrors,
  saveCustomer,
  setActive,
} from '../src/api.js';
import { MESSAGES } from '../src/http.js';

// A session that answers every request with `result`, recording each.
function fakeSession(result) {
  const calls = [];
  return {
    calls,
    async request(url, options = {}) {
      calls.push({ url, options });
      if (result instanceof Error) {
        throw result;
      }
      return result;
    },
  };
}

const answer = (status, body) => ({ ok: true, status, body, kind: null, retryAfter: null });
const refusal = (kind, extra = {}) => ({
  ok: false,
  status: 0,
  body: null,
  kind,
  retryAfter: null,
  ...extra,
});

describe('listUrl', () => {
  it('asks for the first page without a search', () => {
    assert.equal(listUrl(), API_PATH);
    assert.equal(listUrl(''), API_PATH);
    assert.equal(listUrl('   '), API_PATH);
  });

  it('sends the trimmed search term', () => {
    assert.equal(listUrl('  smith '), '/api/customers/?search=smith');
  });

  it('encodes characters that mean something in a query', () => {
    const url = listUrl('a&b=c d+e#f%/?');
    assert.equal(new URL(url, 'http://x').searchParams.get('search'), 'a&b=c d+e#f%/?');
    assert.equal(url, '/api/customers/?search=a%26b%3Dc+d%2Be%23f%25%2F%3F');
  });

  it('encodes non-ASCII names', () => {
    const url = listUrl('Łukasz Müller');
    assert.equal(new URL(url, 'http://x').searchParams.get('search'), 'Łukasz Müller');
  });

  it('cuts the term to the 100 characters the API accepts, never inside a character', () => {
    assert.equal(normalizeSearch('x'.repeat(150)).length, 100);
    const emoji = '😀'.repeat(120);
    const term = normalizeSearch(emoji);
    assert.equal(Array.from(term).length, 100);
    assert.equal(term, '😀'.repeat(100));
  });
});

describe('nextPageUrl', () => {
  it('follows the cursor of an absolute next link on this origin and the API path', () => {
    const next = 'http://backend:8000/api/customers/?cursor=cD0yMDI0&search=sm%C3%ADth';
    const url = nextPageUrl(next);
    assert.equal(url, '/api/customers/?cursor=cD0yMDI0&search=sm%C3%ADth');
    const parsed = new URL(url, 'https://customers.example.com');
    assert.equal(parsed.origin, 'https://customers.example.com');
    assert.equal(parsed.searchParams.get('cursor'), 'cD0yMDI0');
    assert.equal(parsed.searchParams.get('search'), 'smíth');
  });

  it('keeps cursors with characters that need encoding intact', () => {
    const cursor = 'bz0xJnA9MjAyNC0wMS0wMSswMCUzQTAw+/=';
    const next = `https://h/api/customers/?${new URLSearchParams({ cursor })}`;
    const parsed = new URL(nextPageUrl(next), 'https://h');
    assert.equal(parsed.searchParams.get('cursor'), cursor);
  });

  it('never leaves the API path, whatever the link says', () => {
    const url = nextPageUrl('https://evil.example/steal/?cursor=abc');
    assert.equal(url, '/api/customers/?cursor=abc');
    assert.equal(nextPageUrl('//evil.example/x?cursor=abc'), '/api/customers/?cursor=abc');
  });

  it('gives null at the end of the list or for a link without a cursor', () => {
    assert.equal(nextPageUrl(null), null);
    assert.equal(nextPageUrl(undefined), null);
    assert.equal(nextPageUrl(''), null);
    assert.equal(nextPageUrl('https://h/api/customers/?search=x'), null);
    assert.equal(nextPageUrl('https://h/api/customers/?cursor='), null);
    assert.equal(nextPageUrl(42), null);
  });
});

describe('parseValidationErrors', () => {
  it('puts each field error next to its field', () => {
    const result = parseValidationErrors({
      email: ['A customer with this email already exists.'],
      first_name: ['This field may not be blank.', 'Second message.'],
    });
    assert.deepEqual(result.fields, {
      email: ['A customer with this email already exists.'],
      first_name: ['This field may not be blank.', 'Second message.'],
    });
    assert.deepEqual(result.general, []);
  });

  it('shows detail, non_field_errors and unknown fields for the whole form', () => {
    const result = parseValidationErrors({
      non_field_errors: ['Nope.'],
      detail: 'JSON parse error',
      is_active: ['Must be a valid boolean.'],
    });
    assert.deepEqual(result.fields, {});
    assert.deepEqual(result.general, [
      'Nope.',
      'JSON parse error',
      'is_active: Must be a valid boolean.',
    ]);
  });

  it('accepts a single string or nested messages', () => {
    const result = parseValidationErrors({ phone: 'Bad phone.', company: { name: ['Too long.'] } });
    assert.deepEqual(result.fields, { phone: ['Bad phone.'], company: ['Too long.'] });
  });

  it('does not let the body choose an object property of its own', () => {
    const result = parseValidationErrors(JSON.parse('{"__proto__": ["x"], "constructor": ["y"]}'));
    assert.deepEqual(Object.keys(result.fields), []);
    assert.equal(Object.getPrototypeOf(result.fields), Object.prototype);
    assert.deepEqual(result.general, ['__proto__: x', 'constructor: y']);
  });

  it('falls back to a generic message for bodies it cannot read', () => {
    for (const body of [null, undefined, 'oops', 42, {}, { email: [] }, []]) {
      const result = parseValidationErrors(body);
      assert.deepEqual(result.fields, {});
      assert.deepEqual(result.general, [MESSAGES.generic], JSON.stringify(body));
    }
  });
});

describe('customerUrl', () => {
  it('builds the URL of a customer from its id', () => {
    assert.equal(customerUrl(7), '/api/customers/7/');
    assert.equal(customerUrl('42'), '/api/customers/42/');
  });

  it('refuses anything that is not a positive integer id', () => {
    for (const id of [null, undefined, '', 0, -1, 1.5, '07', '1/../../auth', 'x', '1e3', NaN]) {
      assert.equal(customerUrl(id), null, String(id));
    }
  });
});

describe('fetchPage', () => {
  it('returns the customers and the next page on this origin', async () => {
    const body = {
      next: 'http://internal:8000/api/customers/?cursor=abc',
      previous: null,
      results: [{ id: 1, first_name: 'Ada' }],
    };
    const session = fakeSession(answer(200, body));
    const page = await fetchPage(session, '/api/customers/?search=ada');
    assert.deepEqual(page, {
      ok: true,
      customers: body.results,
      next: '/api/customers/?cursor=abc',
    });
    assert.equal(session.calls[0].url, '/api/customers/?search=ada');
  });

  it('explains each failure, without throwing', async () => {
    const cases = [
      [refusal('rate-limited'), MESSAGES.tooManyRequests],
      [refusal('signed-out'), MESSAGES.signedOut],
      [refusal('forbidden'), MESSAGES.forbidden],
      [refusal('error'), MESSAGES.generic],
      [refusal('network'), MESSAGES.network],
      [answer(200, { results: 'x' }), MESSAGES.generic],
      [answer(200, null), MESSAGES.generic],
    ];
    for (const [result, message] of cases) {
      const page = await fetchPage(fakeSession(result), API_PATH);
      assert.equal(page.ok, false);
      assert.equal(page.message, message, JSON.stringify(result));
    }
  });

  it('passes on the permissions a refusal came back with', async () => {
    const me = { username: 'v', groups: [], permissions: [] };
    const page = await fetchPage(fakeSession(refusal('forbidden', { me })), API_PATH);
    assert.deepEqual(page, { ok: false, kind: 'forbidden', message: MESSAGES.forbidden, me });
  });

  it('lets an aborted request reject, so a newer search wins', async () => {
    const abort = new DOMException('aborted', 'AbortError');
    await assert.rejects(fetchPage(fakeSession(abort), API_PATH), { name: 'AbortError' });
  });
});

describe('saveCustomer', () => {
  const values = {
    first_name: ' Ada ',
    last_name: 'Lovelace',
    email: 'ada@example.com',
    phone: '',
    extra: 'x',
  };
  const sent = {
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: 'ada@example.com',
    phone: '',
    company: '',
  };

  it('POSTs a new customer: the trimmed form fields only', async () => {
    const created = { id: 7, first_name: 'Ada', last_name: 'Lovelace' };
    const session = fakeSession(answer(201, created));
    const result = await saveCustomer(session, values);
    assert.deepEqual(result, { ok: true, customer: created });
    assert.deepEqual(session.calls, [{ url: API_PATH, options: { method: 'POST', body: sent } }]);
  });

  it('PATCHes an existing customer at its own URL', async () => {
    const session = fakeSession(answer(200, { id: 7, ...sent }));
    const result = await saveCustomer(session, values, { id: 7 });
    assert.equal(result.ok, true);
    assert.deepEqual(session.calls, [
      { url: '/api/customers/7/', options: { method: 'PATCH', body: sent } },
    ]);
  });

  it('returns the field errors of a 400', async () => {
    const body = { email: ['A customer with this email already exists.'] };
    const result = await saveCustomer(fakeSession(refusal('invalid', { body })), values);
    assert.deepEqual(result, { ok: false, kind: 'invalid', fields: body, general: [] });
  });

  it('explains other failures for the whole form, keeping their kind', async () => {
    const cases = [
      [refusal('rate-limited', { retryAfter: 30 }), 'rate-limited', /try again later, in 30 s/],
      [refusal('signed-out'), 'signed-out', /session has ended.*what you typed is kept/i],
      [refusal('forbidden'), 'forbidden', /permission/],
      [refusal('network'), 'network', /could not reach/i],
      [answer(201, { no: 'id' }), 'error', /went wrong/],
    ];
    for (const [response, kind, message] of cases) {
      const result = await saveCustomer(fakeSession(response), values);
      assert.equal(result.ok, false);
      assert.equal(result.kind, kind);
      assert.deepEqual(result.fields, {});
      assert.equal(result.general.length, 1);
      assert.match(result.general[0], message);
    }
  });

  it('sends nothing for an id that is not one', async () => {
    const session = fakeSession(answer(200, {}));
    const result = await saveCustomer(session, values, { id: '../auth/logout' });
    assert.equal(result.kind, 'not-found');
    assert.deepEqual(session.calls, []);
  });

  it('sends only the form fields', () => {
    assert.deepEqual(Object.keys(customerPayload(values)), Object.keys(sent));
  });
});

describe('setActive and deleteCustomer', () => {
  it('deactivates with a PATCH of is_active alone', async () => {
    const changed = { id: 3, is_active: false };
    const session = fakeSession(answer(200, changed));
    assert.deepEqual(await setActive(session, 3, false), { ok: true, customer: changed });
    assert.deepEqual(session.calls, [
      { url: '/api/customers/3/', options: { method: 'PATCH', body: { is_active: false } } },
    ]);
  });

  it('reports a refused deactivation', async () => {
    const result = await setActive(fakeSession(refusal('forbidden')), 3, false);
    assert.deepEqual(result, { ok: false, kind: 'forbidden', message: MESSAGES.forbidden });
  });

  it('deletes with a DELETE', async () => {
    const session = fakeSession(answer(204, null));
    assert.deepEqual(await deleteCustomer(session, 3), { ok: true });
    assert.deepEqual(session.calls, [{ url: '/api/customers/3/', options: { method: 'DELETE' } }]);
    const refused = await deleteCustomer(fakeSession(refusal('not-found')), 3);
    assert.equal(refused.message, MESSAGES.notFound);
  });
});
