// Run `fn` once calls have stopped for `wait` milliseconds, with the last
// call's arguments. `cancel()` drops a pending call, `flush()` runs it now.
// The timer functions can be replaced, for tests.
export function debounce(fn, wait, timers = globalThis) {
  let handle = null;
  let pending = null;

  function run() {
    handle = null;
    const args = pending;
    pending = null;
    fn(...args);
  }

  function debounced(...args) {
    pending = args;
    if (handle !== null) {
      timers.clearTimeout(handle);
    }
    handle = timers.setTimeout(run, wait);
  }

  debounced.cancel = () => {
    if (handle !== null) {
      timers.clearTimeout(handle);
    }
    handle = null;
    pending = null;
  };

  debounced.flush = () => {
    if (handle !== null) {
      timers.clearTimeout(handle);
      run();
    }
  };

  return debounced;
}
