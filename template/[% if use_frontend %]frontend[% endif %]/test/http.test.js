import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  MESSAGES,
  duration,
  failureKind,
  failureMessage,
  isUnsafe,
  readJson,
  retryAfterSeconds,
  send,
} from '../src/http.js';

function json(status, body, headers = {}) {
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
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

describe('send', () => {
  it('GETs JSON with the session cookie and no CSRF token', async () => {
    const { calls, fetchImpl } = recordingFetch(json(200, { results: [] }));
    const result = await send(fetchImpl, '/api/customers/', { csrfToken: 'tok' });
    assert.deepEqual(result, {
      ok: true,
      status: 200,
      body: { results: [] },
      kind: null,
      retryAfter: null,
    });
    const [{ url, options }] = calls;
    assert.equal(url, '/api/customers/');
    assert.equal(options.method, 'GET');
    assert.equal(options.credentials, 'same-origin');
    assert.deepEqual(options.headers, { Accept: 'application/json' });
    assert.equal(options.body, undefined);
  });

  it('sends the CSRF token and a JSON body with every change', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const { calls, fetchImpl } = recordingFetch(json(200, {}));
      await send(fetchImpl, '/x/', { method, body: { a: 1 }, csrfToken: 't0k' });
      const { headers, body } = calls[0].options;
      assert.equal(headers['X-CSRFToken'], 't0k', method);
      assert.equal(headers['Content-Type'], 'application/json');
      assert.equal(body, '{"a":1}');
    }
  });

  it('sends no CSRF header when it has no token', async () => {
    const { calls, fetchImpl } = recordingFetch(json(201, {}));
    await send(fetchImpl, '/x/', { method: 'POST', body: {} });
    assert.equal('X-CSRFToken' in calls[0].options.headers, false);
  });

  it('classifies a refusal and reads Retry-After', async () => {
    const { fetchImpl } = recordingFetch(json(429, { detail: 'x' }, { 'Retry-After': '42' }));
    const result = await send(fetchImpl, '/x/');
    assert.deepEqual(result, {
      ok: false,
      status: 429,
      body: { detail: 'x' },
      kind: 'rate-limited',
      retryAfter: 42,
    });
  });

  it('reads an answer without JSON (nginx’s own pages) as having no body', async () => {
    const html = new Response('<html>502</html>', {
      status: 502,
      headers: { 'Content-Type': 'text/html' },
    });
    const result = await send(recordingFetch(html).fetchImpl, '/x/');
    assert.equal(result.body, null);
    assert.equal(result.kind, 'error');
    const empty = await send(recordingFetch(new Response(null, { status: 204 })).fetchImpl, '/x/');
    assert.deepEqual([empty.ok, empty.body], [true, null]);
  });

  it('reports a network failure and rethrows an abort', async () => {
    const result = await send(recordingFetch(new TypeError('Failed to fetch')).fetchImpl, '/x/');
    assert.deepEqual(result, {
      ok: false,
      status: 0,
      body: null,
      kind: 'network',
      retryAfter: null,
    });
    const abort = new DOMException('aborted', 'AbortError');
    await assert.rejects(send(recordingFetch(abort).fetchImpl, '/x/'), { name: 'AbortError' });
  });
});

describe('failureKind', () => {
  it('tells an ended session, a CSRF refusal and a missing permission apart', () => {
    const anonymous = { detail: 'Authentication credentials were not provided.' };
    assert.equal(failureKind(401, anonymous), 'signed-out');
    assert.equal(failureKind(403, { detail: 'CSRF Failed: CSRF token missing.' }), 'csrf');
    assert.equal(failureKind(403, { detail: 'csrf failed: Origin checking failed' }), 'csrf');
    assert.equal(
      failureKind(403, { detail: 'You do not have permission to perform this action.' }),
      'forbidden',
    );
    assert.equal(failureKind(403, null), 'forbidden');
    assert.equal(failureKind(403, { detail: ['CSRF Failed'] }), 'forbidden');
  });

  it('tells an account that must set up a second factor first, and a conflict', () => {
    const body = { detail: 'Set up a second factor.', code: 'second_factor_required' };
    assert.equal(failureKind(403, body), 'second-factor-required');
    assert.equal(failureKind(403, { detail: 'second_factor_required' }), 'forbidden');
    assert.equal(failureMessage('second-factor-required'), MESSAGES.secondFactorRequired);
    assert.equal(failureKind(409, { status: 409 }), 'conflict');
  });

  it('names the other answers', () => {
    assert.equal(failureKind(429, null), 'rate-limited');
    assert.equal(failureKind(400, {}), 'invalid');
    assert.equal(failureKind(404, {}), 'not-found');
    assert.equal(failureKind(500, {}), 'error');
    assert.equal(failureKind(502, null), 'error');
  });
});

describe('failureMessage', () => {
  it('says what happened and what to do', () => {
    assert.match(failureMessage('rate-limited'), /too many requests.*try again later/i);
    assert.match(
      failureMessage('rate-limited', { retryAfter: 90 }),
      /try again later, in 2 minutes/,
    );
    assert.match(failureMessage('signed-out'), /log in again.*what you typed is kept/i);
    assert.equal(failureMessage('forbidden'), MESSAGES.forbidden);
    assert.equal(failureMessage('csrf'), MESSAGES.csrf);
    assert.equal(failureMessage('invalid'), MESSAGES.invalid);
    assert.equal(failureMessage('network'), MESSAGES.network);
    assert.equal(failureMessage('error'), MESSAGES.generic);
    assert.equal(failureMessage(undefined), MESSAGES.generic);
  });

  it('counts seconds and minutes as people do', () => {
    assert.equal(duration(1), '1 second');
    assert.equal(duration(59), '59 seconds');
    assert.equal(duration(60), '1 minute');
    assert.equal(duration(61), '2 minutes');
  });
});

describe('retryAfterSeconds', () => {
  it('reads seconds or an HTTP date', () => {
    assert.equal(retryAfterSeconds('120'), 120);
    assert.equal(retryAfterSeconds(' 0 '), 0);
    const now = Date.parse('2026-12-01T10:00:00Z');
    assert.equal(retryAfterSeconds('Tue, 01 Dec 2026 10:01:30 GMT', now), 90);
    assert.equal(retryAfterSeconds('Tue, 01 Dec 2026 09:00:00 GMT', now), 0);
  });

  it('gives null when there is nothing to read', () => {
    for (const value of [null, undefined, '', 'soon', '-5', '1.5']) {
      assert.equal(retryAfterSeconds(value), null, String(value));
    }
  });
});

describe('isUnsafe and readJson', () => {
  it('knows which methods change something', () => {
    assert.deepEqual(
      ['GET', 'HEAD', 'OPTIONS', 'post', 'PUT', 'PATCH', 'DELETE'].map(isUnsafe),
      [false, false, false, true, true, true, true],
    );
  });

  it('reads JSON only from a JSON answer that parses', async () => {
    assert.deepEqual(await readJson(json(200, { a: 1 })), { a: 1 });
    const broken = new Response('{', { headers: { 'Content-Type': 'application/json' } });
    assert.equal(await readJson(broken), null);
    const text = new Response('{}', { headers: { 'Content-Type': 'text/plain' } });
    assert.equal(await readJson(text), null);
  });
});
