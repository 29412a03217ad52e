// The customer list: search, "Load more", and the rows with the controls the
// user's permissions allow. app.js decides when it shows and what a row's
// button does; this keeps the rows in step with the API's answers.
import { customerUrl, fetchPage, listUrl, normalizeSearch } from './api.js';
import { debounce } from './debounce.js';
import { countMessage, customerRow, setStatus } from './dom.js';
import { MESSAGES } from './http.js';

const SEARCH_DELAY_MS = 300;

/**
 * The list in `doc`, fetching through `session`. A failed page goes to
 * `failed(result)` first (an ended session brings back the log-in form);
 * a row's button calls `act(action, customer)`.
 */
export function customerList(doc, win, { session, failed, act }) {
  const byId = (id) => doc.getElementById(id);
  const rows = byId('customer-rows');
  const table = rows.closest('table');
  const tableRegion = table.parentElement;
  const listStatus = byId('list-status');
  const loadMore = byId('load-more');
  const searchForm = byId('search-form');
  const searchInput = byId('search');

  const state = {
    search: null,
    next: null,
    // id -> {customer, row}, in the order shown.
    shown: new Map(),
    request: null,
    can: {},
  };

  function status(message, options) {
    setStatus(listStatus, message, options);
  }

  function showCount() {
    const more = state.next !== null;
    status(countMessage(state.shown.size, { search: state.search, more }));
  }

  function rowFor(customer) {
    return customerRow(doc, customer, { can: state.can });
  }

  function addRows(customers, { atTop = false } = {}) {
    const fragment = doc.createDocumentFragment();
    for (const customer of customers) {
      if (customerUrl(customer?.id) === null || state.shown.has(customer.id)) {
        continue;
      }
      const row = rowFor(customer);
      state.shown.set(customer.id, { customer, row });
      fragment.appendChild(row);
    }
    if (atTop) {
      rows.prepend(fragment);
    } else {
      rows.appendChild(fragment);
    }
  }

  function setLoadMore(next) {
    state.next = next;
    const hadFocus = doc.activeElement === loadMore;
    loadMore.hidden = next === null;
    loadMore.removeAttribute('aria-disabled');
    if (hadFocus && loadMore.hidden) {
      tableRegion.focus();
    }
  }

  // One list request at a time: a new search aborts the request before it,
  // so a slow answer to an old search can never overwrite a newer one.
  async function load(url, { reset }) {
    state.request?.abort();
    const request = new AbortController();
    state.request = request;
    loadMore.setAttribute('aria-disabled', 'true');
    table.setAttribute('aria-busy', 'true');
    status(reset ? 'Loading customers…' : 'Loading more customers…');
    let page;
    try {
      page = await fetchPage(session, url, { signal: request.signal });
    } catch (error) {
      if (error?.name === 'AbortError') {
        return;
      }
      page = { ok: false, kind: 'error', message: MESSAGES.generic };
    }
    if (state.request !== request) {
      return;
    }
    state.request = null;
    table.removeAttribute('aria-busy');
    if (reset) {
      rows.replaceChildren();
      state.shown.clear();
    }
    if (!page.ok) {
      // After a failed first page, "Load more" would continue the old list.
      setLoadMore(reset ? null : state.next);
      status(page.message, { error: true });
      failed(page);
      return;
    }
    addRows(page.customers);
    setLoadMore(page.next);
    showCount();
  }

  function search(term, { force = false } = {}) {
    const normalized = normalizeSearch(term);
    if (normalized === state.search && !force) {
      return;
    }
    state.search = normalized;
    const query = normalized ? `?${new URLSearchParams({ search: normalized })}` : '';
    win.history.replaceState(null, '', `${win.location.pathname}${query}`);
    load(listUrl(normalized), { reset: true });
  }

  const searchSoon = debounce(search, SEARCH_DELAY_MS);
  searchInput.addEventListener('input', () => searchSoon(searchInput.value));
  searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    searchSoon.cancel();
    search(searchInput.value, { force: true });
  });
  loadMore.addEventListener('click', () => {
    if (state.next !== null && state.request === null) {
      load(state.next, { reset: false });
    }
  });
  rows.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    const entry = button && state.shown.get(Number(button.dataset.id));
    if (entry) {
      act(button.dataset.action, entry.customer);
    }
  });

  const initial = new URLSearchParams(win.location.search).get('search') ?? '';
  searchInput.value = normalizeSearch(initial);

  return {
    status,

    /** Load the first page for the search box's term, with rows for `can`. */
    show(can) {
      state.can = can;
      searchSoon.cancel();
      search(searchInput.value, { force: true });
    },

    /** Forget every row: nothing of the list is left in the page. */
    clear() {
      searchSoon.cancel();
      state.request?.abort();
      state.request = null;
      state.search = null;
      table.removeAttribute('aria-busy');
      rows.replaceChildren();
      state.shown.clear();
      setLoadMore(null);
      status('');
    },

    /** A new customer, at the top. */
    prepend(customer) {
      addRows([customer], { atTop: true });
      showCount();
    },

    /** A changed customer, in its row's place. */
    replace(customer) {
      const entry = state.shown.get(customer.id);
      if (entry) {
        const row = rowFor(customer);
        entry.row.replaceWith(row);
        state.shown.set(customer.id, { customer, row });
      }
    },

    remove(id) {
      state.shown.get(id)?.row.remove();
      state.shown.delete(id);
      showCount();
    },

    /** Focus the table after its row (and the button in it) went away. */
    focus() {
      tableRegion.focus();
    },
  };
}
