// One agent (GET /v1/agents/{id} and its workbin, GET /v1/agents/{id}/workbin), live: state
// and reason, load, skills and groups, the items it holds (offered or assigned) and those
// parked in its workbin; a supervisor's actions (agent_actions.js). An agent token sees its
// own page, its items linked (the API lets an agent read the items it holds).
import {api} from '../api.js';
import {h, notice, replace} from '../dom.js';
import {count, stateName} from '../format.js';
import {agentActions} from './agent_actions.js';
import {itemsTable} from './items_table.js';

export function render(view, {match}, app) {
  const id = match[0];
  const head = h('div', {}), actions = h('div', {}), body = h('div', {});
  const own = app.me && app.me.role === 'agent';
  replace(view,
    own ? null : h('nav', {class: 'crumbs', 'aria-label': 'Breadcrumbs'}, h('a', {href: '#/agents'}, 'Agents'), ' › ', id),
    head, actions, body);
  let drawnFor = null;  // what the actions were drawn for: redrawn only when it changes (not under the pointer)
  app.live(async () => {
    const path = '/v1/agents/' + encodeURIComponent(id);
    try {
      const [agent, workbin] = await Promise.all([api(path), api(path + '/workbin')]);
      const [top, ...rest] = page(agent, workbin);
      replace(head, top);
      replace(body, rest);
      const key = JSON.stringify([agent.state, workbin.holding.length, workbin.parked.length]);
      if (key !== drawnFor) replace(actions, agentActions(agent, workbin, app));
      drawnFor = key;
      app.updated();
    } catch (err) {
      drawnFor = null;
      replace(actions);
      if (err.status === 404)
        return replace(body, notice('empty', `No agent ${id}.`, 'Agents appear once they are registered; check the id.'));
      const shown = app.failed(err, `agent ${id}`);
      if (shown) replace(body, shown);
    }
  });
}

function page(agent, workbin) {
  const row = (label, value, field) => h('div', {class: 'field', dataset: {field}}, h('dt', {}, label), h('dd', {}, value));
  const skills = Object.entries(agent.skills || {});
  return [
    h('div', {class: 'page-head'}, h('h1', {}, 'Agent ', h('span', {class: 'mono'}, agent.id)),
      h('span', {class: `badge agent-${agent.state}`, id: 'agent-state'}, stateName(agent.state))),
    h('dl', {class: 'facts', id: 'agent-facts'},
      row('Reason', agent.reason || h('span', {class: 'muted'}, '–'), 'reason'),
      row('Load', h('span', {class: 'num'}, count(agent.load)), 'load'),
      row('Skills', skills.length ? skills.map(([k, v]) => `${k} ${v}`).join(', ') : h('span', {class: 'muted'}, 'none'), 'skills'),
      row('Groups', agent.groups.length ? agent.groups.join(', ') : h('span', {class: 'muted'}, 'none'), 'groups')),
    h('h2', {}, `Holding (${count(workbin.holding.length)})`),
    workbin.holding.length ? itemsTable(workbin.holding, 'agent-holding') : notice('empty', 'Nothing offered or assigned now.', null),
    h('h2', {}, `Parked (${count(workbin.parked.length)})`),
    workbin.parked.length ? itemsTable(workbin.parked, 'agent-parked') : notice('empty', 'The workbin is empty.', null),
  ];
}
