// Talking to the customers API: URLs, the CSRF token, and what a response means.
// Nothing here touches the page, so all of it runs under `node --test`.

export const API_PATH = '/api/customers/';

// The API refuses a longer search (django-filter's max_length), counted in
// characters as Python counts them: code points.
export const MAX_SEARCH_LENGTH = 100;

// The fields the create form sends, in the order the form shows them.
export const FORM_FIELDS = ['first_name', 'last_name', 'email', 'phone', 'company'];

export const MESSAGES = {
  tooManyRequests: 'Too many requests. Please wait a moment and try again later.',
  generic: 'Something went wrong. Please try again.',
  network: 'Could not reach the server. Check your connection and try again.',
  invalid: 'Please correct the highlighted fields.',
};

/** The search term as the API accepts it: trimmed, at most 100 characters. */
export function normalizeSearch(term) {
  const trimmed = String(term ?? '').trim();
  return Array.from(trimmed).slice(0, MAX_SEARCH_LENGTH).join('').trim();
}

/** The first page of the list, filtered by `search` when there is one. */
export function listUrl(search = '') {
  const term = normalizeSearch(search);
  if (!term) {
    return API_PATH;
  }
  return `${API_PATH}?${new URLSearchParams({ search: term })}`;
}

/**
 * The next page to fetch, from the `next` (or `previous`) link of a response.
 *
 * The API builds that link as an absolute URL from the request it saw, which
 * behind a TLS-terminating proxy may say http:// or name an internal host. Only
 * its query (the cursor and the filters) is kept, on this page's own origin and
 * the API's path, so a page can never be led to fetch from anywhere else.
 * Returns null when there is no further page or the link carries no cursor.
 */
export function nextPageUrl(link) {
  if (typeof link !== 'string' || link === '') {
    return null;
  }
  let url;
  try {
    url = new URL(link, 'http://localhost');
  } catch {
    return null;
  }
  if (!url.searchParams.get('cursor')) {
    return null;
  }
  return `${API_PATH}?${url.searchParams}`;
}

/** The value of the `csrftoken` cookie in a `document.cookie` string, or ''. */
export function csrfToken(cookies, name = 'csrftoken') {
  for (const part of String(cookies ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index === -1 || part.slice(0, index).trim() !== name) {
      continue;
    }
    const value = part.slice(index + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return '';
}

function messagesOf(value) {
  if (value === null || value === undefined) {
    return [];
  }
  if (Array.isArray(value)) {
    return value.flatMap(messagesOf);
  }
  if (typeof value === 'object') {
    return Object.values(value).flatMap(messagesOf);
  }
  const text = String(value).trim();
  return text ? [text] : [];
}

/**
 * A 400 body (`{"field": ["message", ...]}`) split into messages per form field
 * and messages for the form as a whole: `detail`, `non_field_errors`, and any
 * field the form does not show. Anything else gives one generic message.
 */
export function parseValidationErrors(body, fields = FORM_FIELDS) {
  const result = { fields: {}, general: [] };
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    result.general.push(...(Array.isArray(body) ? messagesOf(body) : []));
  } else {
    for (const [key, value] of Object.entries(body)) {
      const messages = messagesOf(value);
      if (messages.length === 0) {
        continue;
      }
      if (!fields.includes(key)) {
        const known = key === 'detail' || key === 'non_field_errors';
        result.general.push(...(known ? messages : messages.map((m) => `${key}: ${m}`)));
      } else {
        result.fields[key] = messages;
      }
    }
  }
  if (result.general.length === 0 && Object.keys(result.fields).length === 0) {
    result.general.push(MESSAGES.generic);
  }
  return result;
}

/** What to tell the user when a request failed with `status`. */
export function failureMessage(status) {
  if (status === 429) {
    return MESSAGES.tooManyRequests;
  }
  if (status === 400) {
    return MESSAGES.invalid;
  }
  return MESSAGES.generic;
}

/** The JSON body of a response, or null when it has none or it is not JSON. */
export async function readJson(response) {
  const type = response.headers?.get?.('Content-Type') ?? '';
  if (!/\bjson\b/i.test(type)) {
    return null;
  }
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/**
 * Fetch one page of the list.
 * Resolves to `{ok: true, customers, next}` or `{ok: false, message}`; rejects
 * only when aborted (an AbortError), so a superseded request can be ignored.
 */
export async function fetchPage(fetchImpl, url, { signal } = {}) {
  let response;
  try {
    response = await fetchImpl(url, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      signal,
    });
  } catch (error) {
    if (error?.name === 'AbortError') {
      throw error;
    }
    return { ok: false, message: MESSAGES.network };
  }
  const body = await readJson(response);
  if (!response.ok || body === null || !Array.isArray(body.results)) {
    return { ok: false, message: failureMessage(response.ok ? 500 : response.status) };
  }
  return { ok: true, customers: body.results, next: nextPageUrl(body.next) };
}

/** The form's values as the API takes them: every field trimmed. */
export function customerPayload(values, fields = FORM_FIELDS) {
  const payload = {};
  for (const field of fields) {
    payload[field] = String(values[field] ?? '').trim();
  }
  return payload;
}

/**
 * POST a new customer.
 * Resolves to `{ok: true, customer}`, or `{ok: false, fields, general}` with
 * messages per field (400) or for the whole form (429, other errors).
 */
export async function createCustomer(fetchImpl, values, { cookies = '' } = {}) {
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  const token = csrfToken(cookies);
  if (token) {
    headers['X-CSRFToken'] = token;
  }
  let response;
  try {
    response = await fetchImpl(API_PATH, {
      method: 'POST',
      headers,
      body: JSON.stringify(customerPayload(values)),
      credentials: 'same-origin',
    });
  } catch {
    return { ok: false, fields: {}, general: [MESSAGES.network] };
  }
  const body = await readJson(response);
  if (response.status === 201 && body !== null && typeof body === 'object') {
    return { ok: true, customer: body };
  }
  if (response.status === 400) {
    return { ok: false, ...parseValidationErrors(body) };
  }
  return { ok: false, fields: {}, general: [failureMessage(response.status)] };
}
