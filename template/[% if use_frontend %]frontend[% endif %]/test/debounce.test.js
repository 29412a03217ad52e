import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { debounce } from '../src/debounce.js';

// A clock that only moves when told to.
function fakeTimers() {
  let now = 0;
  let nextId = 1;
  const pending = new Map();
  return {
    setTimeout(fn, ms) {
      const id = nextId++;
      pending.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(id) {
      pending.delete(id);
    },
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at <= now) {
          pending.delete(id);
          timer.fn();
        }
      }
    },
  };
}

describe('debounce', () => {
  it('runs once with the last arguments after the calls stop', () => {
    const timers = fakeTimers();
    const calls = [];
    const search = debounce((term) => calls.push(term), 300, timers);
    search('a');
    timers.advance(200);
    search('ad');
    timers.advance(200);
    search('ada');
    assert.deepEqual(calls, []);
    timers.advance(299);
    assert.deepEqual(calls, []);
    timers.advance(1);
    assert.deepEqual(calls, ['ada']);
    timers.advance(1000);
    assert.deepEqual(calls, ['ada']);
  });

  it('can be cancelled or run at once', () => {
    const timers = fakeTimers();
    const calls = [];
    const search = debounce((term) => calls.push(term), 300, timers);
    search('x');
    search.cancel();
    timers.advance(1000);
    assert.deepEqual(calls, []);
    search('y');
    search.flush();
    assert.deepEqual(calls, ['y']);
    timers.advance(1000);
    search.flush();
    assert.deepEqual(calls, ['y']);
  });
});
