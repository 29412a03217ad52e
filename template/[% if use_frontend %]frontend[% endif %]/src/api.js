// The customers API: its URLs, the payloads it takes, and what its answers
// mean for the page. Requests go through the session (session.js), which adds
// the CSRF token; nothing here touches the page, so all of it runs under
// `node --test`.
import { MESSAGES, failureMessage } from './http.js';

export const API_PATH = '/api/customers/';

// The API refuses a longer search (django-filter's max_length), counted in
// characters as Python counts them: code points.
export const MAX_SEARCH_LENGTH = 100;

// The fields the create and edit forms send, in the order the forms show them.
export const FORM_FIELDS = ['first_name', 'last_name', 'email', 'phone', 'company'];

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

/** One customer's URL; null unless `id` is the API's kind of id (a positive integer). */
export function customerUrl(id) {
  const text = String(id ?? '');
  return /^[1-9][0-9]{0,18}$/.test(text) ? `${API_PATH}${text}/` : null;
}

/** A form's values as the API takes them: every field trimmed. */
export function customerPayload(values, fields = FORM_FIELDS) {
  const payload = {};
  for (const field of fields) {
    payload[field] = String(values[field] ?? '').trim();
  }
  return payload;
}

// What a failed request tells the page: its kind, words for the user, and the
// user's current permissions when the session looked them up on a 403.
function failure(result) {
  const failed = { ok: false, kind: result.kind, message: failureMessage(result.kind, result) };
  if (result.me) {
    failed.me = result.me;
  }
  return failed;
}

function isCustomer(body) {
  return body !== null && typeof body === 'object' && customerUrl(body.id) !== null;
}

/**
 * Fetch one page of the list.
 * Resolves to `{ok: true, customers, next}` or a failure (`{ok: false, kind,
 * message}`); rejects only when aborted (an AbortError), so a superseded
 * request can be ignored.
 */
export async function fetchPage(session, url, { signal } = {}) {
  const result = await session.request(url, { signal });
  if (!result.ok) {
    return failure(result);
  }
  if (result.body === null || !Array.isArray(result.body.results)) {
    return failure({ kind: 'error' });
  }
  return { ok: true, customers: result.body.results, next: nextPageUrl(result.body.next) };
}

/**
 * Create a customer (no `id`) or change one (PATCH of the form's fields).
 * Resolves to `{ok: true, customer}`, or a failure with messages per field
 * (`fields`, from a 400) and for the whole form (`general`).
 */
export async function saveCustomer(session, values, { id = null } = {}) {
  const url = id === null ? API_PATH : customerUrl(id);
  if (url === null) {
    return { ok: false, kind: 'not-found', fields: {}, general: [MESSAGES.notFound] };
  }
  const result = await session.request(url, {
    method: id === null ? 'POST' : 'PATCH',
    body: customerPayload(values),
  });
  if (result.ok && isCustomer(result.body)) {
    return { ok: true, customer: result.body };
  }
  if (result.kind === 'invalid') {
    return { ok: false, kind: 'invalid', ...parseValidationErrors(result.body) };
  }
  const failed = failure(result.ok ? { kind: 'error' } : result);
  return { ...failed, fields: {}, general: [failed.message] };
}

/** Deactivate (or reactivate) a customer: `{ok: true, customer}` or a failure. */
export async function setActive(session, id, active) {
  const url = customerUrl(id);
  if (url === null) {
    return failure({ kind: 'not-found' });
  }
  const result = await session.request(url, { method: 'PATCH', body: { is_active: active } });
  if (result.ok && isCustomer(result.body)) {
    return { ok: true, customer: result.body };
  }
  return failure(result.ok ? { kind: 'error' } : result);
}

/** Delete a customer: `{ok: true}` or a failure. */
export async function deleteCustomer(session, id) {
  const url = customerUrl(id);
  if (url === null) {
    return failure({ kind: 'not-found' });
  }
  const result = await session.request(url, { method: 'DELETE' });
  return result.ok ? { ok: true } : failure(result);
}
