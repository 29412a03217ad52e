import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  API_PATH,
  MESSAGES,
  createCustomer,
  csrfToken,
  customerPayload,
  failureMessage,
  fetchPage,
  listUrl,
  nextPageUrl,
  normalizeSearch,
  parseValidationErrors,
} from '../src/api.js';

function jsonResponse(status, body, type = 'application/json') {
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: new Headers(type ? { 'Content-Type': type } : {}),
    json: async () => (typeof body === 'string' ? JSON.parse(body) : body),
  };
}

function recordingFetch(response) {
  const calls = [];
  const fetchImpl = async (url, options) => {
    calls.push({ url, options });
    if (response instanceof Error) {
      throw response;
    }
    return response;
  };
  return { calls, fetchImpl };
}

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

describe('csrfToken', () => {
  it('reads the csrftoken cookie among others', () => {
    assert.equal(csrfToken('sessionid=abc; csrftoken=Tok3n; theme=dark'), 'Tok3n');
    assert.equal(csrfToken('csrftoken=first'), 'first');
  });

  it('does not take a cookie whose name only contains csrftoken', () => {
    assert.equal(csrfToken('xcsrftoken=nope; csrftokenx=nope'), '');
    assert.equal(csrfToken('a=csrftoken=nope'), '');
  });

  it('decodes an encoded value and keeps a malformed one as it is', () => {
    assert.equal(csrfToken('csrftoken=a%20b'), 'a b');
    assert.equal(csrfToken('csrftoken=%E0%A4%A'), '%E0%A4%A');
    assert.equal(csrfToken('csrftoken=abc=def'), 'abc=def');
  });

  it('gives an empty string when there is no such cookie', () => {
    assert.equal(csrfToken(''), '');
    assert.equal(csrfToken(undefined), '');
    assert.equal(csrfToken('sessionid=abc'), '');
    assert.equal(csrfToken('csrftoken'), '');
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

describe('failureMessage', () => {
  it('says to try later on 429 and something generic otherwise', () => {
    assert.match(failureMessage(429), /too many requests.*try again later/i);
    assert.equal(failureMessage(500), MESSAGES.generic);
    assert.equal(failureMessage(403), MESSAGES.generic);
  });
});

describe('fetchPage', () => {
  it('returns the customers and the next page on this origin', async () => {
    const body = {
      next: 'http://internal:8000/api/customers/?cursor=abc',
      previous: null,
      results: [{ id: 1, first_name: 'Ada' }],
    };
    const { calls, fetchImpl } = recordingFetch(jsonResponse(200, body));
    const page = await fetchPage(fetchImpl, '/api/customers/?search=ada');
    assert.deepEqual(page, {
      ok: true,
      customers: body.results,
      next: '/api/customers/?cursor=abc',
    });
    assert.equal(calls[0].url, '/api/customers/?search=ada');
    assert.equal(calls[0].options.headers.Accept, 'application/json');
  });

  it('reports 429 and non-JSON answers without throwing', async () => {
    let page = await fetchPage(
      recordingFetch(jsonResponse(429, { detail: 'Slow down' })).fetchImpl,
      API_PATH,
    );
    assert.deepEqual(page, { ok: false, message: MESSAGES.tooManyRequests });
    page = await fetchPage(
      recordingFetch(jsonResponse(502, '<html>', 'text/html')).fetchImpl,
      API_PATH,
    );
    assert.deepEqual(page, { ok: false, message: MESSAGES.generic });
    page = await fetchPage(recordingFetch(jsonResponse(200, { results: 'x' })).fetchImpl, API_PATH);
    assert.deepEqual(page, { ok: false, message: MESSAGES.generic });
    page = await fetchPage(recordingFetch(new TypeError('Failed to fetch')).fetchImpl, API_PATH);
    assert.deepEqual(page, { ok: false, message: MESSAGES.network });
  });

  it('lets an aborted request reject, so a newer search wins', async () => {
    const abort = new DOMException('aborted', 'AbortError');
    await assert.rejects(fetchPage(recordingFetch(abort).fetchImpl, API_PATH), {
      name: 'AbortError',
    });
  });
});

describe('createCustomer', () => {
  const values = {
    first_name: ' Ada ',
    last_name: 'Lovelace',
    email: 'ada@example.com',
    phone: '',
    extra: 'x',
  };

  it('POSTs the trimmed form as JSON with the CSRF token', async () => {
    const created = { id: 7, first_name: 'Ada', last_name: 'Lovelace' };
    const { calls, fetchImpl } = recordingFetch(jsonResponse(201, created));
    const result = await createCustomer(fetchImpl, values, { cookies: 'csrftoken=t0k' });
    assert.deepEqual(result, { ok: true, customer: created });
    const [{ url, options }] = calls;
    assert.equal(url, API_PATH);
    assert.equal(options.method, 'POST');
    assert.equal(options.headers['Content-Type'], 'application/json');
    assert.equal(options.headers['X-CSRFToken'], 't0k');
    assert.deepEqual(JSON.parse(options.body), {
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: 'ada@example.com',
      phone: '',
      company: '',
    });
  });

  it('sends no CSRF header without the cookie', async () => {
    const { calls, fetchImpl } = recordingFetch(jsonResponse(201, { id: 1 }));
    await createCustomer(fetchImpl, values);
    assert.equal('X-CSRFToken' in calls[0].options.headers, false);
  });

  it('returns the field errors of a 400', async () => {
    const body = { email: ['A customer with this email already exists.'] };
    const result = await createCustomer(recordingFetch(jsonResponse(400, body)).fetchImpl, values);
    assert.deepEqual(result, { ok: false, fields: body, general: [] });
  });

  it('says to try later on 429', async () => {
    const result = await createCustomer(
      recordingFetch(jsonResponse(429, { detail: 'x' })).fetchImpl,
      values,
    );
    assert.deepEqual(result, { ok: false, fields: {}, general: [MESSAGES.tooManyRequests] });
  });

  it('gives a generic message for other failures', async () => {
    for (const response of [
      jsonResponse(500, 'Server Error', 'text/html'),
      jsonResponse(403, { detail: 'CSRF' }),
    ]) {
      const result = await createCustomer(recordingFetch(response).fetchImpl, values);
      assert.deepEqual(result, { ok: false, fields: {}, general: [MESSAGES.generic] });
    }
    const result = await createCustomer(recordingFetch(new TypeError('offline')).fetchImpl, values);
    assert.deepEqual(result, { ok: false, fields: {}, general: [MESSAGES.network] });
  });

  it('sends only the form fields', () => {
    assert.deepEqual(Object.keys(customerPayload(values)), [
      'first_name',
      'last_name',
      'email',
      'phone',
      'company',
    ]);
  });
});
