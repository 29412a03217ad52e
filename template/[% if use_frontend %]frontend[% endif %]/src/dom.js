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

function customerName(customer) {
  return `${text(customer.first_name)} ${text(customer.last_name)}`.trim();
}

function actionButton(doc, customer, action, label) {
  return element(doc, 'button', {
    className: `row-action row-action-${action}`,
    text: label,
    attributes: {
      type: 'button',
      'data-action': action,
      'data-id': text(customer.id),
      'aria-label': `${label} ${customerName(customer)}`,
    },
  });
}

/**
 * The buttons a row gets for what the user may do (`can` from
 * permissionsOf): none without change or delete, so a viewer's rows have no
 * controls at all, not hidden ones.
 */
export function rowActions(doc, customer, can) {
  const buttons = [];
  if (can.change) {
    buttons.push(actionButton(doc, customer, 'edit', 'Edit'));
    const active = customer.is_active !== false;
    buttons.push(
      active
        ? actionButton(doc, customer, 'deactivate', 'Deactivate')
        : actionButton(doc, customer, 'reactivate', 'Reactivate'),
    );
  }
  if (can.delete) {
    buttons.push(actionButton(doc, customer, 'delete', 'Delete'));
  }
  return buttons;
}

/** One table row for a customer, with an actions cell when `can` allows any. */
export function customerRow(doc, customer, { locale, can = {} } = {}) {
  const row = element(doc, 'tr', { attributes: { 'data-id': text(customer.id) } });
  const name = element(doc, 'th', { text: customerName(customer), attributes: { scope: 'row' } });
  row.appendChild(name);
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
  const buttons = rowActions(doc, customer, can);
  if (buttons.length > 0) {
    const cell = element(doc, 'td', { className: 'row-actions' });
    for (const button of buttons) {
      cell.appendChild(button);
    }
    row.appendChild(cell);
  }
  return row;
}

/** A status line: `message` as text (hidden when empty), marked as an error or not. */
export function setStatus(output, message, { error = false } = {}) {
  output.textContent = message;
  output.hidden = !message;
  output.classList.toggle('is-error', error);
}

/**
 * A part of the page that is in the document only while `show(true)` says
 * so (index.html marks each `hidden`, for a browser without scripts): while
 * it is out, nothing of it can be seen, clicked or found, and it keeps what
 * was typed into it for when it comes back.
 */
export function slot(doc, node) {
  const marker = doc.createComment(node.id ? ` ${node.id} ` : ' slot ');
  node.before(marker);
  return {
    show(visible) {
      if (visible && !node.isConnected) {
        marker.after(node);
      } else if (!visible && node.isConnected) {
        node.remove();
      }
      node.hidden = !visible;
    },
    get shown() {
      return node.isConnected;
    },
  };
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
