// An item (GET /v1/items/{id}): state, process, agent, due and priority, and every attribute.
// Dates in the viewer's zone, the rules' zone beside them.
import {api} from '../api.js';
import {h, notice, replace} from '../dom.js';
import {count, instant, stateName, viewerZone} from '../format.js';
import {itemActions} from './item_actions.js';

export async function render(view, {match}, app) {
  const id = match[0];
  const crumbs = h('nav', {class: 'crumbs', 'aria-label': 'Breadcrumbs'}, h('a', {href: '#/queue'}, 'Queue'), ' › ', id);
  let it;
  try {
    it = await api('/v1/items/' + encodeURIComponent(id));
  } catch (err) {
    if (err.status === 404)
      return replace(view, crumbs, notice('empty', `No open item ${id}.`,
        'It may have been completed or canceled, or the id is misspelled. The console shows open items only.'));
    const shown = app.failed(err, `item ${id}`);
    if (shown) replace(view, crumbs, shown);
    return;
  }
  const zone = app.rules.timezone;
  const row = (label, value, field) => h('div', {class: 'field', dataset: {field}}, h('dt', {}, label), h('dd', {}, value));
  const due = it.due
    ? [h('span', {}, instant(it.due), ` (${viewerZone()})`), h('br', {}),
       h('span', {class: 'muted'}, instant(it.due, zone), ` (${zone}, the rules' zone)`),
       it.overdue ? h('span', {class: 'badge alert'}, 'overdue') : null]
    : h('span', {class: 'muted'}, 'no due time');
  const attributes = Object.entries(it.attributes || {}).sort(([a], [b]) => a.localeCompare(b));
  replace(view, crumbs,
    h('div', {class: 'page-head'}, h('h1', {}, 'Item ', h('span', {class: 'mono'}, it.id)),
      h('span', {class: `badge state-${it.state}`, id: 'item-state'}, stateName(it.state))),
    h('dl', {class: 'facts', id: 'item-facts'},
      row('Process', it.process ? h('a', {href: '#/queue/items?process=' + encodeURIComponent(it.process) + '&state=open'}, it.process) : '–', 'process'),
      row('State', stateName(it.state), 'state'),
      row('Agent', it.agent || h('span', {class: 'muted'}, 'none'), 'agent'),
      row('Priority', h('span', {class: 'num'}, count(it.priority)), 'priority'),
      row('Due', due, 'due')),
    h('h2', {}, 'Attributes'),
    attributes.length === 0 ? notice('empty', 'No attributes.', null) :
      h('div', {class: 'table-wrap'}, h('table', {class: 'grid attrs', id: 'item-attributes'},
        h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Attribute'), h('th', {scope: 'col'}, 'Value'))),
        h('tbody', {}, attributes.map(([k, v]) => h('tr', {dataset: {attribute: k}},
          h('th', {scope: 'row'}, k), h('td', {class: 'mono'}, shown(k, v, zone))))))));
  view.querySelector('.page-head')?.after(itemActions(it, app) ?? '');  // the supervisor's actions (item_actions.js)
}

// A value as people read it: instants in both zones, lists joined, the rest as JSON.
function shown(name, v, zone) {
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return `${instant(v)} (${instant(v, zone)} ${zone})`;
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ') : '(empty)';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
