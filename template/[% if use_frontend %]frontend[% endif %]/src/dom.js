// Building the page's elements. Every function takes the `document` to build
// with, and uses only createElement, setAttribute, appendChild and
// textContent: customer data is always text, never markup.

/** An element with optional class, text and attributes. */
export function element(doc, tag, { className = '', text = null, attributes = {} } = {}) {
  const node = doc.createElement(tag);
  if (className) {
    node.className = className;
  }
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, String(value));
  }
  if (text !== null) {
    node.textContent = String(text);
  }
  return node;
}

/** A timestamp as the reader's locale writes a date and time, or as given. */
export function formatDate(value, locale = undefined) {
  const date = new Date(value);
  if (typeof value !== 'string' || Number.isNaN(date.getTime())) {
    return String(value ?? '');
  }
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

function text(value) {
  return value === null || value === undefined ? '' : String(value);
}

/** One table row for a customer. */
export function customerRow(doc, customer, { locale } = {}) {
  const row = element(doc, 'tr');
  const name = `${text(customer.first_name)} ${text(customer.last_name)}`.trim();
  row.appendChild(element(doc, 'th', { text: name, attributes: { scope: 'row' } }));
  row.appendChild(element(doc, 'td', { text: text(customer.email) }));
  row.appendChild(element(doc, 'td', { text: text(customer.phone) }));
  row.appendChild(element(doc, 'td', { text: text(customer.company) }));
  const active = customer.is_active !== false;
  row.appendChild(
    element(doc, 'td', {
      className: active ? 'status status-active' : 'status status-inactive',
      text: active ? 'Active' : 'Inactive',
    }),
  );
  const created = element(doc, 'td');
  if (customer.created_at) {
    created.appendChild(
      element(doc, 'time', {
        text: formatDate(customer.created_at, locale),
        attributes: { datetime: text(customer.created_at) },
      }),
    );
  }
  row.appendChild(created);
  return row;
}

/** Show `messages` for one field (or clear them with an empty list). */
export function setFieldErrors(input, output, messages) {
  output.textContent = messages.join(' ');
  output.hidden = messages.length === 0;
  if (messages.length > 0) {
    input.setAttribute('aria-invalid', 'true');
  } else {
    input.removeAttribute('aria-invalid');
  }
}

/** A sentence for the list's status line. */
export function countMessage(count, { search = '', more = false } = {}) {
  if (count === 0) {
    return search ? `No customers match “${search}”.` : 'No customers yet.';
  }
  const noun = count === 1 ? 'customer' : 'customers';
  const matching = search ? ` matching “${search}”` : '';
  return `Showing ${count} ${noun}${matching}${more ? ', more available' : ''}.`;
}
