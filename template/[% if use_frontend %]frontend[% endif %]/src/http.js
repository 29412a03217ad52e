// One request to the API and what its answer means. Every failure becomes a
// kind the page knows how to explain; nothing here touches the page.

export const MESSAGES = {
  signedOut: 'Your session has ended. Log in again to continue; what you typed is kept.',
  forbidden: 'You do not have permission to do that.',
  csrf: 'The page’s security token had expired. Please try again.',
  tooManyRequests: 'Too many requests. Please wait a moment and try again later.',
  notFound: 'That customer no longer exists. Reload the list to see the current ones.',
  generic: 'Something went wrong. Please try again.',
  network: 'Could not reach the server. Check your connection and try again.',
  invalid: 'Please correct the highlighted fields.',
  secondFactorRequired:
    'Your account needs a second factor before it can be used. Set one up below.',
};

// Methods that change something: Django wants the CSRF token with each.
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether `method` needs the CSRF token. */
export function isUnsafe(method) {
  return UNSAFE.has(String(method).toUpperCase());
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
 * Seconds to wait from a Retry-After header: a number of seconds or an HTTP
 * date. Null when there is none or it does not parse; never negative.
 */
export function retryAfterSeconds(value, now = Date.now()) {
  const text = String(value ?? '').trim();
  if (text === '') {
    return null;
  }
  if (/^\d+$/.test(text)) {
    return Number(text);
  }
  // Only the one date format HTTP sends (RFC 9110's IMF-fixdate): Date.parse
  // alone would read almost anything as some date.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) {
    return null;
  }
  const date = Date.parse(text);
  if (Number.isNaN(date)) {
    return null;
  }
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function detailOf(body) {
  return body !== null && typeof body === 'object' && typeof body.detail === 'string'
    ? body.detail
    : '';
}

/**
 * What a failed answer means: 'signed-out' (401), 'csrf' (Django's CSRF
 * refusal), 'second-factor-required' (the account must enrol a second factor
 * first), 'forbidden' (any other 403: no permission, or no longer logged in,
 * which only a look at /api/auth/me/ can tell apart), 'rate-limited' (429),
 * 'invalid' (400), 'not-found' (404), 'conflict' (409) or 'error'.
 */
export function failureKind(status, body) {
  if (status === 401) {
    return 'signed-out';
  }
  if (status === 403) {
    if (body !== null && typeof body === 'object' && body.code === 'second_factor_required') {
      return 'second-factor-required';
    }
    return /^CSRF Failed/i.test(detailOf(body)) ? 'csrf' : 'forbidden';
  }
  if (status === 409) {
    return 'conflict';
  }
  if (status === 429) {
    return 'rate-limited';
  }
  if (status === 400) {
    return 'invalid';
  }
  if (status === 404) {
    return 'not-found';
  }
  return 'error';
}

/** Seconds as people say them: "1 second", "2 minutes". */
export function duration(seconds) {
  if (seconds < 60) {
    return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  }
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
}

/** What to tell the user about a failure of `kind`. */
export function failureMessage(kind, { retryAfter = null } = {}) {
  switch (kind) {
    case 'signed-out':
      return MESSAGES.signedOut;
    case 'forbidden':
      return MESSAGES.forbidden;
    case 'csrf':
      return MESSAGES.csrf;
    case 'second-factor-required':
      return MESSAGES.secondFactorRequired;
    case 'rate-limited':
      return retryAfter === null
        ? MESSAGES.tooManyRequests
        : `Too many requests. Please try again later, in ${duration(retryAfter)}.`;
    case 'invalid':
      return MESSAGES.invalid;
    case 'not-found':
      return MESSAGES.notFound;
    case 'network':
      return MESSAGES.network;
    default:
      return MESSAGES.generic;
  }
}

/**
 * Send one request; resolves to `{ok, status, body, kind, retryAfter}`, with
 * `kind` null on success and 'network' when no answer came. Rejects only
 * when aborted (an AbortError), so a superseded request can be ignored.
 */
export async function send(fetchImpl, url, { method = 'GET', body, csrfToken = '', signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (csrfToken && isUnsafe(method)) {
    headers['X-CSRFToken'] = csrfToken;
  }
  let response;
  try {
    response = await fetchImpl(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (error) {
    if (error?.name === 'AbortError') {
      throw error;
    }
    return { ok: false, status: 0, body: null, kind: 'network', retryAfter: null };
  }
  const parsed = await readJson(response);
  const retryAfter = retryAfterSeconds(response.headers?.get?.('Retry-After'));
  if (response.ok) {
    return { ok: true, status: response.status, body: parsed, kind: null, retryAfter };
  }
  const kind = failureKind(response.status, parsed);
  return { ok: false, status: response.status, body: parsed, kind, retryAfter };
}
