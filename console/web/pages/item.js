// An item (GET /v1/items/{id}): state, process, agent, due and priority now; its priority over
// its life as a chart and the explanation (GET /v1/items/{id}/explain?curve=N); the timeline
// (GET /v1/items/{id}/history); every attribute. Times on the rules' zone's clock, named
// (format.js): the zone the page began with, in all its parts, also those that answer later (a
// hot reload that changes the zone meanwhile shows in the next view). An attribute is a time
// only when the rules type it `time`; any other value is shown as written.
import {api} from '../api.js';
import {h, notice, replace} from '../dom.js';
import {count, stateName, timeZone, zoned} from '../format.js';
import {itemActions} from './item_actions.js';
import {explanation} from './item_explain.js';
import {timeline} from './item_timeline.js';
import {priorityChart} from './priority_chart.js';

export const CURVE_POINTS = 120;

// "fixed 900 until …" / "boost +100 until an agent accepts it"
export function overrideText(o, zone = timeZone()) {
  const value = o.kind === 'fixed' ? `fixed ${count(o.value)}` : `boost ${o.value >= 0 ? '+' : ''}${count(o.value)}`;
  return value + (o.until ? ` until ${zoned(o.until, zone)}` : '') + (o.until_handled ? ' until an agent accepts it' : '');
}

export async function render(view, {match}, app) {
  const id = match[0];
  const zone = timeZone();
  const times = new Set(app.timeAttributes);
  // An agent token reads its own items only: back to its page; no rules' zone and no timeline
  // (a supervisor's or the source's to read).
  const agent = app.me && app.me.role === 'agent' ? app.me.agent : null;
  const crumbs = h('nav', {class: 'crumbs', 'aria-label': 'Breadcrumbs'},
    agent ? h('a', {href: '#/agents/' + encodeURIComponent(agent)}, 'My items') : h('a', {href: '#/queue'}, 'Queue'), ' › ', id);
  let it;
  try {
    it = await api('/v1/items/' + encodeURIComponent(id));
  } catch (err) {
    if (err.status === 404)
      return replace(view, crumbs, notice('empty', `No open item ${id}.`,
        'No item has this id, open or in the history: the id may be misspelled.'));
    const shown = app.failed(err, `item ${id}`);
    if (shown) replace(view, crumbs, shown);
    return;
  }
  const open = !it.ended_at;
  const row = (label, value, field) => h('div', {class: 'field', dataset: {field}}, h('dt', {}, label), h('dd', {}, value));
  const due = it.due
    ? [h('span', {id: 'item-due'}, zoned(it.due, zone)), ' ',
       it.overdue ? h('span', {class: 'badge alert'}, 'overdue') : null]
    : h('span', {class: 'muted'}, 'no due time');
  const priority = [h('span', {class: 'num'}, count(it.priority)),
    it.priority_override ? h('span', {class: 'badge override', id: 'item-override'}, `override: ${overrideText(it.priority_override, zone)}`) : null];
  const attributes = Object.entries(it.attributes || {}).sort(([a], [b]) => a.localeCompare(b));
  const chartBox = h('div', {id: 'item-chart'}, h('p', {class: 'muted'}, 'Loading the priority curve…'));
  const explainBox = h('div', {id: 'item-explanation'});
  replace(view, crumbs,
    h('div', {class: 'page-head'}, h('h1', {}, 'Item ', h('span', {class: 'mono'}, it.id)),
      h('span', {class: `badge state-${it.state}`, id: 'item-state'}, stateName(it.state))),
    h('dl', {class: 'facts', id: 'item-facts'},
      row('Process', it.process && !agent ? h('a', {href: '#/queue/items?process=' + encodeURIComponent(it.process) + '&state=open'}, it.process) : it.process || '–', 'process'),
      row('State', stateName(it.state), 'state'),
      row('Agent', it.agent || h('span', {class: 'muted'}, 'none'), 'agent'),
      open ? row('Priority now', priority, 'priority') : row('Ended', zoned(it.ended_at, zone), 'ended_at'),
      open ? row('Due', due, 'due') : row('Outcome', it.outcome || h('span', {class: 'muted'}, 'none'), 'outcome')),
    open ? [h('h2', {}, 'Priority over its life'), chartBox, h('h2', {}, 'Why: the explanation'), explainBox] : null,
    agent ? null : [h('h2', {}, 'Timeline'), timeline(id, app, zone)],
    h('h2', {}, 'Attributes'),
    attributes.length === 0 ? notice('empty', 'No attributes.', null) :
      h('div', {class: 'table-wrap'}, h('table', {class: 'grid attrs', id: 'item-attributes'},
        h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Attribute'), h('th', {scope: 'col'}, 'Value'))),
        h('tbody', {}, attributes.map(([k, v]) => h('tr', {dataset: {attribute: k}},
          h('th', {scope: 'row'}, k), h('td', {class: 'mono'}, shown(v, times.has(k) && zone))))))));
  view.querySelector('.page-head')?.after(itemActions(it, app) ?? '');  // the supervisor's actions (item_actions.js)
  if (open) explain(id, it, chartBox, explainBox, app, zone);
}

// The chart and the explanation, from one request.
async function explain(id, it, chartBox, explainBox, app, zone) {
  let x;
  try {
    x = await api(`/v1/items/${encodeURIComponent(id)}/explain?curve=${CURVE_POINTS}`);
  } catch (err) {
    const why = err.code === 'no_source' ? notice('empty', 'No explanation for this item.', err.message)
      : err.code === 'not_open' ? notice('empty', 'This item is no longer open.', err.message)
      : app.failed(err, 'the explanation');
    replace(chartBox);
    if (why) replace(explainBox, why);
    return;
  }
  if (x.curve) replace(chartBox, ...priorityChart(x.curve, chartBox, {override: it.priority_override ? overrideText(it.priority_override, zone) : null, zone}));
  else replace(chartBox, notice('empty', 'No priority curve.', 'The rules reject the item as it is now.'));
  replace(explainBox, explanation(x.explanation, x.agents_left_out, zone));
}

// A value as people read it: an attribute typed `time` on `zone`'s clock with its name (when
// `zone` is given), lists joined, the rest as written (a string that only looks like a time
// too), JSON for other values.
function shown(v, zone) {
  if (zone && typeof v === 'string') return zoned(v, zone);
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ') : '(empty)';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
