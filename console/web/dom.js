// Building the page from data without innerHTML: every text goes through textContent, so
// nothing an item's attributes hold can become markup (the Content-Security-Policy forbids
// inline scripts as a second line).

// h('a', {href: '#/x', class: 'y'}, 'text', child, [more]): attributes set as attributes,
// `on*` functions as listeners, `dataset` as data-*; null and false children are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

// A message for people, in place of a page's content: kind 'empty' or 'error'.
export function notice(kind, title, text) {
  return h('div', {class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status'},
    h('p', {class: 'notice-title'}, title), text ? h('p', {}, text) : null);
}
