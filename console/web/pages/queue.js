// Queue: the backlog per department, process or `report by` dimension (GET /v1/stats/queue),
// live. A process links to its items.
import {api, query} from '../api.js';
import {h, notice, replace} from '../dom.js';
import {count, duration} from '../format.js';

const AGES = [['under_1h', '< 1 h'], ['1h_4h', '1–4 h'], ['4h_1d', '4 h–1 d'], ['1d_3d', '1–3 d'], ['over_3d', '> 3 d']];
// [field, heading, value of a group]
const COLUMNS = [
  ['open', 'Open', (g) => g.open],
  ['queued', 'Queued', (g) => g.states.queued],
  ['offered', 'Offered', (g) => g.states.offered],
  ['assigned', 'Assigned', (g) => g.states.assigned],
  ['parked', 'Parked', (g) => g.states.parked],
  ['held', 'Held, deferred', (g) => g.states.held + g.states.deferred],
  ['overdue', 'Overdue', (g) => g.overdue],
  ['due_next_hour', 'Due < 1 h', (g) => g.due_next_hour],
];

export function render(view, {params}, app) {
  const by = params.get('by') || 'process';
  const choices = ['process', 'department', ...(app.rules.report_by || [])];
  const select = h('select', {id: 'by', name: 'by'},
    choices.map((c) => h('option', {value: c, selected: c === by}, c === 'process' || c === 'department' ? c : `${c} (report by)`)));
  select.addEventListener('change', () => app.go('#/queue' + query({by: select.value})));
  const body = h('div', {id: 'queue-body'});
  replace(view,
    h('div', {class: 'page-head'},
      h('h1', {}, 'Queue'),
      h('label', {class: 'inline'}, 'Group by ', select)),
    body);
  app.live(async () => {
    try {
      const stats = await api('/v1/stats/queue' + query({by}));
      replace(body, table(stats, by));
      app.updated();
    } catch (err) {
      const shown = app.failed(err, 'the queue');
      if (shown) replace(body, shown);
    }
  });
}

function table(stats, by) {
  if (stats.groups.length === 0)
    return notice('empty', 'The queue is empty.', 'No open items right now: new ones appear here within seconds of their capture.');
  const total = {open: 0, overdue: 0, due_next_hour: 0, states: {}, ages: {}, oldest_age_ms: 0};
  for (const g of stats.groups) {
    total.open += g.open;
    total.overdue += g.overdue;
    total.due_next_hour += g.due_next_hour;
    for (const [k, v] of Object.entries(g.states)) total.states[k] = (total.states[k] || 0) + v;
    for (const [k, v] of Object.entries(g.ages)) total.ages[k] = (total.ages[k] || 0) + v;
    total.oldest_age_ms = Math.max(total.oldest_age_ms, g.oldest_age_ms);
  }
  const row = (g, name, cls) => h('tr', {class: cls, dataset: {group: name}},
    h('th', {scope: 'row'}, groupLabel(g, name, by)),
    COLUMNS.map(([field, , value]) => h('td', {class: 'num' + (field === 'overdue' && value(g) > 0 ? ' alert' : ''), dataset: {field}}, count(value(g)))),
    h('td', {class: 'num', dataset: {field: 'oldest_age_ms'}}, duration(g.oldest_age_ms)),
    AGES.map(([k]) => h('td', {class: 'num age', dataset: {field: 'age_' + k}}, count(g.ages[k]))));
  return h('div', {class: 'table-wrap'},
    h('table', {class: 'grid', id: 'queue-table'},
      h('caption', {}, `Open items by ${by}; ages since capture`),
      h('thead', {},
        h('tr', {},
          h('th', {scope: 'col', rowspan: 2}, by === 'process' || by === 'department' ? by[0].toUpperCase() + by.slice(1) : by),
          COLUMNS.map(([, heading]) => h('th', {scope: 'col', rowspan: 2, class: 'num'}, heading)),
          h('th', {scope: 'col', rowspan: 2, class: 'num'}, 'Oldest'),
          h('th', {scope: 'colgroup', colspan: AGES.length, class: 'center'}, 'Open items by age')),
        h('tr', {}, AGES.map(([, heading]) => h('th', {scope: 'col', class: 'num'}, heading)))),
      h('tbody', {}, stats.groups.map((g) => row(g, g.name ?? '', ''))),
      h('tfoot', {}, row(total, '(all)', 'total'))));
}

function groupLabel(g, name, by) {
  if (name === '(all)') return 'All';
  if (g.name === null) return h('span', {class: 'muted'}, by === 'department' ? '(no department)' : '(none)');
  if (by === 'process' && g.name)
    return h('a', {href: '#/queue/items' + query({process: g.name, state: 'open'})}, g.name);
  return g.name;
}
