import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseRoute, takeRoute } from '../src/routes.js';

function fakeWindow(hash) {
  const win = {
    replaced: [],
    location: { pathname: '/', search: '?search=ada', hash },
    history: {
      replaceState(state, title, url) {
        win.replaced.push(url);
        win.location.hash = '';
      },
    },
  };
  return win;
}

describe('parseRoute', () => {
  it('reads the links the mails carry', () => {
    assert.deepEqual(parseRoute('#/reset/2-dj73zh-59a9c56eff1c1ec341e3c019aba7be6b'), {
      name: 'reset',
      key: '2-dj73zh-59a9c56eff1c1ec341e3c019aba7be6b',
    });
    assert.deepEqual(parseRoute('#/invite/Ab_9-xY'), { name: 'invite', key: 'Ab_9-xY' });
    assert.deepEqual(parseRoute('#/forgot'), { name: 'forgot' });
  });

  it('takes nothing else for a route', () => {
    for (const hash of [
      '',
      '#',
      '#/reset/',
      '#/reset/a/b',
      '#/reset/<script>',
      '#/invite/a%20b',
      `#/reset/${'a'.repeat(201)}`,
      '#/forgot/x',
      '#main',
      null,
    ]) {
      assert.equal(parseRoute(hash), null, String(hash));
    }
  });
});

describe('takeRoute', () => {
  it('takes the key out of the address bar, without a history entry', () => {
    const win = fakeWindow('#/reset/2-abc-def');
    assert.deepEqual(takeRoute(win), { name: 'reset', key: '2-abc-def' });
    assert.deepEqual(win.replaced, ['/?search=ada']);
    assert.equal(takeRoute(win), null);
  });

  it('leaves an unknown fragment alone', () => {
    const win = fakeWindow('#main');
    assert.equal(takeRoute(win), null);
    assert.deepEqual(win.replaced, []);
  });
});
