// The ruleset in force (GET /v1/admin/rules): name and version, zone, processes, the
// `report by` dimensions and the open items. Uploads and hot reload come with the admin pages.
import {api} from '../api.js';
import {h, replace} from '../dom.js';
import {count} from '../format.js';

export async function render(view, _route, app) {
  let rules;
  try {
    rules = await api('/v1/admin/rules');
  } catch (err) {
    const shown = app.failed(err, 'the ruleset in force');
    if (shown) replace(view, shown);
    return;
  }
  const row = (label, value) => h('div', {class: 'field'}, h('dt', {}, label), h('dd', {}, value));
  replace(view,
    h('div', {class: 'page-head'}, h('h1', {}, 'Rules in force')),
    h('dl', {class: 'facts', id: 'rules-facts'},
      row('Ruleset', rules.ruleset),
      row('Time zone', rules.timezone),
      row('Open items', h('span', {class: 'num'}, count(rules.open_items))),
      row('Report by', rules.report_by.length ? rules.report_by.join(', ') : h('span', {class: 'muted'}, 'none'))),
    h('h2', {}, `Processes (${rules.processes.length})`),
    h('ul', {class: 'columns', id: 'rules-processes'}, rules.processes.map((p) =>
      h('li', {}, h('a', {href: '#/queue/items?process=' + encodeURIComponent(p) + '&state=open'}, p)))));
}
