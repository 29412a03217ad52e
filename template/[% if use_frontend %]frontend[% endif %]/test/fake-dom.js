// Just enough of a DOM for the page's modules. Anything that parses markup
// throws, and so do inline event handlers and styles, so a test fails if the
// code ever reaches for them. Loaded by the tests, it defines none itself.
import assert from 'node:assert/strict';

export class FakeNode {
  constructor() {
    this.parent = null;
    this.children = [];
    this.root = false;
  }

  get isConnected() {
    let node = this;
    while (node.parent) {
      node = node.parent;
    }
    return node.root;
  }

  appendChild(child) {
    assert.ok(child instanceof FakeNode, 'only nodes are appended');
    child.remove();
    child.parent = this;
    this.children.push(child);
    return child;
  }

  remove() {
    if (this.parent) {
      this.parent.children.splice(this.parent.children.indexOf(this), 1);
      this.parent = null;
    }
  }

  #insert(node, offset) {
    node.remove();
    const siblings = this.parent.children;
    siblings.splice(siblings.indexOf(this) + offset, 0, node);
    node.parent = this.parent;
  }

  before(node) {
    this.#insert(node, 0);
  }

  after(node) {
    this.#insert(node, 1);
  }

  replaceWith(node) {
    this.#insert(node, 0);
    this.remove();
  }
}

export class FakeComment extends FakeNode {
  constructor(text) {
    super();
    this.data = text;
  }

  get textContent() {
    return '';
  }
}

class FakeClassList {
  constructor(element) {
    this.element = element;
  }

  #names() {
    return this.element.className.split(/\s+/).filter(Boolean);
  }

  contains(name) {
    return this.#names().includes(name);
  }

  toggle(name, force = !this.contains(name)) {
    const names = this.#names().filter((n) => n !== name);
    this.element.className = (force ? [...names, name] : names).join(' ');
    return force;
  }
}

export class FakeElement extends FakeNode {
  constructor(tagName) {
    super();
    this.tagName = tagName.toUpperCase();
    this.attributes = new Map();
    this.className = '';
    this.hidden = false;
    this.text = '';
    this.value = '';
    this.listeners = {};
    this.focused = 0;
    this.classList = new FakeClassList(this);
  }

  get textContent() {
    return this.text + this.children.map((child) => child.textContent).join('');
  }

  set textContent(value) {
    for (const child of [...this.children]) {
      child.remove();
    }
    this.text = String(value);
  }

  get id() {
    return this.getAttribute('id') ?? '';
  }

  setAttribute(name, value) {
    assert.doesNotMatch(name, /^on/i, 'no event handler attributes');
    assert.notEqual(name.toLowerCase(), 'style', 'no inline styles (CSP)');
    this.attributes.set(name, String(value));
  }

  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }

  removeAttribute(name) {
    this.attributes.delete(name);
  }

  addEventListener(type, listener) {
    (this.listeners[type] ??= []).push(listener);
  }

  dispatch(type, event = {}) {
    for (const listener of this.listeners[type] ?? []) {
      listener(event);
    }
  }

  focus() {
    this.focused += 1;
  }

  /** What form.reset() does to the inputs under this element. */
  reset() {
    for (const child of this.children) {
      if (child instanceof FakeElement) {
        child.value = '';
        child.reset();
      }
    }
  }

  // Serialised the way a browser would: text is always escaped.
  toHTML() {
    const escape = (s) =>
      s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const tag = this.tagName.toLowerCase();
    const attributes = [...this.attributes].map(([k, v]) => ` ${k}="${escape(v)}"`).join('');
    const cls = this.className ? ` class="${escape(this.className)}"` : '';
    const inner =
      escape(this.text) +
      this.children.map((child) => (child instanceof FakeElement ? child.toHTML() : '')).join('');
    return `<${tag}${cls}${attributes}>${inner}</${tag}>`;
  }
}

for (const property of ['innerHTML', 'outerHTML']) {
  Object.defineProperty(FakeElement.prototype, property, {
    get() {
      throw new Error(`${property} read`);
    },
    set() {
      throw new Error(`${property} written`);
    },
  });
}
FakeElement.prototype.insertAdjacentHTML = () => {
  throw new Error('insertAdjacentHTML called');
};

/** A document whose body is connected; `created` lists every tag made. */
export function fakeDocument() {
  const body = new FakeElement('body');
  body.root = true;
  return {
    body,
    created: [],
    createElement(tag) {
      const node = new FakeElement(tag);
      this.created.push(node.tagName);
      return node;
    },
    createComment(text) {
      return new FakeComment(text);
    },
    getElementById(id) {
      const find = (node) => {
        if (node instanceof FakeElement && node.id === id) {
          return node;
        }
        for (const child of node.children) {
          const found = find(child);
          if (found) {
            return found;
          }
        }
        return null;
      };
      return find(body);
    },
    write() {
      throw new Error('document.write called');
    },
  };
}

/** An element with an id, appended to `parent`. */
export function child(doc, parent, tag, id) {
  const node = doc.createElement(tag);
  if (id) {
    node.setAttribute('id', id);
  }
  return parent.appendChild(node);
}
