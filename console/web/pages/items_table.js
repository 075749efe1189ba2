// A table of items (the queue's drill-down, an agent's held and parked items): each links to
// its page.
import {h} from '../dom.js';
import {count, duration, instant, stateName, timeZone} from '../format.js';

// The drill-down's orders (GET /v1/queue's `sort`): its Priority, Age and Due headers link to them.
export const SORTS = {
  priority: {label: 'priority, highest first (the order items are offered)', aria: 'descending'},
  age: {label: 'age, oldest first', aria: 'descending'},
  due: {label: 'due time, soonest first', aria: 'ascending'},
};

// A column's header; with `sort` ({key, link(key)}) a link to that order, the current one marked.
function header(label, key, cls, sort) {
  if (!sort || !key) return h('th', {scope: 'col', class: cls}, label);
  const current = sort.key === key;
  return h('th', {scope: 'col', class: cls, 'aria-sort': current ? SORTS[key].aria : null},
    h('a', {href: sort.link(key), class: 'sort', dataset: {sort: key}, title: `Sort by ${SORTS[key].label}`,
      'aria-current': current ? 'true' : null}, label, current ? (SORTS[key].aria === 'ascending' ? ' ▲' : ' ▼') : ''));
}

// How long the item has waited: since its activate_at, else its captured_at (the age the rules use).
function age(it, now) {
  const from = Date.parse((it.attributes && (it.attributes.activate_at || it.attributes.captured_at)) || '');
  return Number.isNaN(from) ? '–' : duration(Math.max(0, now - from));
}

// `sort`: the drill-down's order ({key, link(key)}): sortable headers and an Age column. Due
// times on the rules' zone's clock, the Due header naming it.
export function itemsTable(items, id, {sort = null} = {}) {
  const now = Date.now();
  return h('div', {class: 'table-wrap'},
    h('table', {class: 'grid', id},
      h('thead', {}, h('tr', {},
        h('th', {scope: 'col'}, 'Item'), h('th', {scope: 'col'}, 'State'), h('th', {scope: 'col'}, 'Process'),
        header('Priority', 'priority', 'num', sort), sort ? header('Age', 'age', 'num', sort) : null, header(`Due (${timeZone()})`, 'due', null, sort),
        h('th', {scope: 'col'}, 'Agent'))),
      h('tbody', {}, items.map((it) => h('tr', {dataset: {item: it.id}},
        h('th', {scope: 'row'}, h('a', {href: '#/items/' + encodeURIComponent(it.id)}, it.id)),
        h('td', {}, stateName(it.state)),
        h('td', {}, it.process || h('span', {class: 'muted'}, '–')),
        h('td', {class: 'num', dataset: {field: 'priority'}}, count(it.priority)),
        sort ? h('td', {class: 'num', dataset: {field: 'age'}}, age(it, now)) : null,
        h('td', {class: it.overdue ? 'alert' : '', dataset: {field: 'due'}}, instant(it.due), it.overdue ? ' (overdue)' : ''),
        h('td', {}, it.agent ? h('a', {href: '#/agents/' + encodeURIComponent(it.agent)}, it.agent) : h('span', {class: 'muted'}, '–')))))));
}
