// Agents (GET /v1/agents), live: state, reason, time in state, load against capacity by media,
// held and parked items; filters by state, group and skill; pages of 50 by cursor.
import {api, query} from '../api.js';
import {h, notice, replace} from '../dom.js';
import {count, duration, stateName} from '../format.js';

const PAGE = 50;

export function render(view, {params}, app) {
  const filters = {state: params.get('state') || '', group: params.get('group') || '', skill: params.get('skill') || ''};
  const cursor = params.get('cursor') || '';
  const state = h('select', {id: 'agent-state', name: 'state'},
    ['', 'ready', 'not_ready', 'logged_out'].map((s) => h('option', {value: s, selected: s === filters.state}, s ? stateName(s) : 'any')));
  const group = h('input', {id: 'agent-group', name: 'group', value: filters.group, size: 12});
  const skill = h('input', {id: 'agent-skill', name: 'skill', value: filters.skill, size: 12});
  const form = h('form', {class: 'filters', 'aria-label': 'Filters'},
    h('label', {}, 'State ', state), h('label', {}, 'Group ', group), h('label', {}, 'Skill ', skill),
    h('button', {type: 'submit'}, 'Filter'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    app.go('#/agents' + query({state: state.value, group: group.value.trim(), skill: skill.value.trim()}));
  });
  const body = h('div', {});
  replace(view, h('div', {class: 'page-head'}, h('h1', {}, 'Agents')), form, body);
  app.live(async () => {
    try {
      const page = await api('/v1/agents' + query({...filters, limit: PAGE, cursor}));
      replace(body, list(page, filters, cursor));
      app.updated();
    } catch (err) {
      const shown = app.failed(err, 'the agents');
      if (shown) replace(body, shown);
    }
  });
}

function list(page, filters, cursor) {
  const any = filters.state || filters.group || filters.skill;
  if (page.agents.length === 0)
    return notice('empty', any ? 'No agent matches these filters.' : 'No agents yet.',
      any ? 'Clear a filter to see more.' : 'Agents appear here once they are registered (PUT /v1/agents/ID).');
  return h('div', {},
    h('div', {class: 'table-wrap'}, h('table', {class: 'grid', id: 'agents-table'},
      h('thead', {}, h('tr', {},
        h('th', {scope: 'col'}, 'Agent'), h('th', {scope: 'col'}, 'State'), h('th', {scope: 'col'}, 'Reason'),
        h('th', {scope: 'col', class: 'num'}, 'In state'), h('th', {scope: 'col', class: 'num'}, 'Load'),
        h('th', {scope: 'col'}, 'By media'), h('th', {scope: 'col', class: 'num'}, 'Holding'),
        h('th', {scope: 'col', class: 'num'}, 'Parked'))),
      h('tbody', {}, page.agents.map((a) => h('tr', {dataset: {agent: a.id}},
        h('th', {scope: 'row'}, h('a', {href: '#/agents/' + encodeURIComponent(a.id)}, a.id)),
        h('td', {}, h('span', {class: `badge agent-${a.state}`}, stateName(a.state))),
        h('td', {}, a.reason || h('span', {class: 'muted'}, '–')),
        h('td', {class: 'num'}, duration(a.time_in_state_ms)),
        h('td', {class: 'num', dataset: {field: 'load'}}, load(a.load, a.capacity)),
        h('td', {}, media(a.media)),
        h('td', {class: 'num', dataset: {field: 'holding'}}, count(a.holding.length)),
        h('td', {class: 'num', dataset: {field: 'parked'}}, count(a.parked_count))))))),
    h('nav', {class: 'pager', 'aria-label': 'Pages'},
      cursor ? h('a', {href: '#/agents' + query(filters)}, '‹ First page') : null,
      page.next_cursor ? h('a', {href: '#/agents' + query({...filters, cursor: page.next_cursor}), rel: 'next'}, 'Next 50 ›') : null));
}

const load = (n, cap) => (cap === null || cap === undefined ? `${count(n)} (no limit)` : `${count(n)} of ${count(cap)}`);

function media(byMedia) {
  const parts = Object.entries(byMedia || {}).filter(([, m]) => m.load > 0 || m.capacity !== null);
  if (parts.length === 0) return h('span', {class: 'muted'}, '–');
  return parts.map(([name, m]) => `${name} ${count(m.load)}/${m.capacity === null ? '∞' : count(m.capacity)}`).join(' · ');
}
