// A table of items (the queue's drill-down, an agent's held and parked items): each links to
// its page.
import {h} from '../dom.js';
import {count, instant, stateName} from '../format.js';

// `link`: false for a token that may not read items' pages (an agent's own list).
export function itemsTable(items, id, {link = true} = {}) {
  return h('div', {class: 'table-wrap'},
    h('table', {class: 'grid', id},
      h('thead', {}, h('tr', {},
        h('th', {scope: 'col'}, 'Item'), h('th', {scope: 'col'}, 'State'), h('th', {scope: 'col'}, 'Process'),
        h('th', {scope: 'col', class: 'num'}, 'Priority'), h('th', {scope: 'col'}, 'Due'), h('th', {scope: 'col'}, 'Agent'))),
      h('tbody', {}, items.map((it) => h('tr', {dataset: {item: it.id}},
        h('th', {scope: 'row'}, link ? h('a', {href: '#/items/' + encodeURIComponent(it.id)}, it.id) : it.id),
        h('td', {}, stateName(it.state)),
        h('td', {}, it.process || h('span', {class: 'muted'}, '–')),
        h('td', {class: 'num'}, count(it.priority)),
        h('td', {class: it.overdue ? 'alert' : ''}, instant(it.due), it.overdue ? ' (overdue)' : ''),
        h('td', {}, it.agent ? h('a', {href: '#/agents/' + encodeURIComponent(it.agent)}, it.agent) : h('span', {class: 'muted'}, '–')))))));
}
