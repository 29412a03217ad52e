// The page: wires the list, the search box and the create form to the API.
// The logic lives in api.js, dom.js and debounce.js, which the tests cover;
// this file only connects them to the elements of index.html.
import {
  FORM_FIELDS,
  MESSAGES,
  createCustomer,
  fetchPage,
  listUrl,
  normalizeSearch,
} from './api.js';
import { debounce } from './debounce.js';
import { countMessage, customerRow, setFieldErrors } from './dom.js';

const SEARCH_DELAY_MS = 300;

function start(doc, win) {
  const byId = (id) => doc.getElementById(id);
  const rows = byId('customer-rows');
  const table = rows.closest('table');
  const tableRegion = table.parentElement;
  const listStatus = byId('list-status');
  const loadMore = byId('load-more');
  const searchForm = byId('search-form');
  const searchInput = byId('search');
  const form = byId('create-form');
  const formStatus = byId('create-status');
  const submit = byId('create-submit');
  const inputs = Object.fromEntries(FORM_FIELDS.map((field) => [field, byId(field)]));
  const errors = Object.fromEntries(FORM_FIELDS.map((field) => [field, byId(`${field}-error`)]));
  const fetchImpl = (...args) => win.fetch(...args);

  const state = {
    search: null,
    next: null,
    shown: new Set(),
    request: null,
    saving: false,
  };

  function setStatus(output, message, { error = false } = {}) {
    output.textContent = message;
    output.hidden = !message;
    output.classList.toggle('is-error', error);
  }

  function showCount() {
    const more = state.next !== null;
    setStatus(listStatus, countMessage(state.shown.size, { search: state.search, more }));
  }

  function addRows(customers, { atTop = false } = {}) {
    const fragment = doc.createDocumentFragment();
    for (const customer of customers) {
      if (state.shown.has(customer.id)) {
        continue;
      }
      state.shown.add(customer.id);
      fragment.appendChild(customerRow(doc, customer));
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
    // aria-disabled, not disabled: a disabled button would drop keyboard focus.
    loadMore.setAttribute('aria-disabled', 'true');
    table.setAttribute('aria-busy', 'true');
    setStatus(listStatus, reset ? 'Loading customers…' : 'Loading more customers…');
    let page;
    try {
      page = await fetchPage(fetchImpl, url, { signal: request.signal });
    } catch (error) {
      if (error?.name === 'AbortError') {
        return;
      }
      page = { ok: false, message: MESSAGES.generic };
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
      setStatus(listStatus, page.message, { error: true });
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

  for (const field of FORM_FIELDS) {
    inputs[field].addEventListener('input', () => setFieldErrors(inputs[field], errors[field], []));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (state.saving) {
      return;
    }
    state.saving = true;
    submit.setAttribute('aria-disabled', 'true');
    form.setAttribute('aria-busy', 'true');
    setStatus(formStatus, 'Saving…');
    for (const field of FORM_FIELDS) {
      setFieldErrors(inputs[field], errors[field], []);
    }
    const values = Object.fromEntries(FORM_FIELDS.map((field) => [field, inputs[field].value]));
    const result = await createCustomer(fetchImpl, values, { cookies: doc.cookie });
    state.saving = false;
    submit.removeAttribute('aria-disabled');
    form.removeAttribute('aria-busy');
    if (result.ok) {
      const { customer } = result;
      addRows([customer], { atTop: true });
      showCount();
      form.reset();
      setStatus(formStatus, `Added ${customer.first_name} ${customer.last_name}.`);
      inputs[FORM_FIELDS[0]].focus();
      return;
    }
    for (const field of FORM_FIELDS) {
      setFieldErrors(inputs[field], errors[field], result.fields[field] ?? []);
    }
    const general = result.general.length > 0 ? result.general : [MESSAGES.invalid];
    setStatus(formStatus, general.join(' '), { error: true });
    const firstInvalid = FORM_FIELDS.find((field) => result.fields[field]);
    if (firstInvalid) {
      inputs[firstInvalid].focus();
    }
  });

  const initial = new URLSearchParams(win.location.search).get('search') ?? '';
  searchInput.value = normalizeSearch(initial);
  search(searchInput.value, { force: true });
}

start(document, window);
