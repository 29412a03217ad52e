// The addresses the mails link to: #/reset/<key> and #/invite/<key> (and
// #/forgot). The key is in the fragment so that it never reaches a server's
// log or a Referer; the page reads it once and takes it out of the address
// bar and the history at once, so it is not left behind for the next user of
// the browser either.

const ROUTES = [
  { name: 'reset', pattern: /^#\/reset\/([A-Za-z0-9_-]{1,200})$/ },
  { name: 'invite', pattern: /^#\/invite\/([A-Za-z0-9_-]{1,200})$/ },
  { name: 'forgot', pattern: /^#\/forgot$/ },
];

/** `{name, key}` for a fragment the page knows, or null. */
export function parseRoute(hash) {
  const text = String(hash ?? '');
  for (const { name, pattern } of ROUTES) {
    const match = pattern.exec(text);
    if (match) {
      return match[1] === undefined ? { name } : { name, key: match[1] };
    }
  }
  return null;
}

/**
 * The route in `win`'s address, with the fragment removed from the address
 * bar (replaceState: the history keeps no entry with the key). Null when
 * there is none; an unknown fragment is left alone.
 */
export function takeRoute(win) {
  const route = parseRoute(win.location.hash);
  if (route !== null) {
    win.history.replaceState(null, '', `${win.location.pathname}${win.location.search}`);
  }
  return route;
}
