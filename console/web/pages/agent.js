// One agent (GET /v1/agents/{id} and its workbin, GET /v1/agents/{id}/workbin), live: state
// and reason, load, skills and groups, the items it holds (offered or assigned) and those
// parked in its workbin; a supervisor's actions (agent_actions.js); today's figures (the
// resource performance report of the day so far in the rules' zone, the one the header names). An agent token sees its own page,
// its items linked (the API lets an agent read the items it holds), and no report.
import {api, query} from '../api.js';
import {h, notice, replace} from '../dom.js';
import {count, duration, nextDay, stateName, timeZone, today} from '../format.js';
import {agentActions} from './agent_actions.js';
import {itemsTable} from './items_table.js';

export function render(view, {match}, app) {
  const id = match[0];
  const head = h('div', {}), actions = h('div', {}), body = h('div', {});
  const own = app.me && app.me.role === 'agent';
  const figures = own ? null : h('section', {id: 'agent-today', 'aria-live': 'polite'});
  replace(view,
    own ? null : h('nav', {class: 'crumbs', 'aria-label': 'Breadcrumbs'}, h('a', {href: '#/agents'}, 'Agents'), ' › ', id),
    head, actions, body, figures);
  if (figures) todayFigures(id, figures, app.rules);
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

// Today's figures: the agent's row of the resource performance report (docs/reporting.md) from
// midnight to the next, one interval, in the rules' zone (the ruleset's `timezone`, the one
// the header names and the reports are kept in; the viewer's only if the ruleset could not be
// read). Asked once per visit, not with the live refresh: a report reads the history, and the
// service runs at most two at once.
const TODAY = [['offered', 'Offered', count], ['accepted', 'Accepted', count], ['rejected', 'Rejected', count],
  ['rona', 'No answer (RONA)', count], ['completed', 'Completed', count], ['handle', 'Handle time', secs],
  ['avg_handle', 'Avg. handle', secs], ['ready', 'Ready', secs], ['not_ready', 'Not ready', secs],
  ['busy', 'Busy', secs], ['occupancy', 'Occupancy', (v) => (v === null || v === undefined ? '–' : `${v.toFixed(1)} %`)]];

function secs(v) { return v === null || v === undefined ? '–' : duration(v * 1000); }

async function todayFigures(id, into, rules) {
  const zone = timeZone(), day = today(zone);  // the rules' zone once the ruleset is read (format.js)
  const title = h('h2', {}, `Today (${day}, ${zone}${rules && rules.timezone ? ", the rules' zone" : ''})`);
  replace(into, title, h('p', {class: 'muted'}, 'Reading the history…'));
  let report;
  try {
    report = await api('/v1/reports/resource-performance' + query({from: day, to: nextDay(day), tz: zone, interval: '1d'}));
  } catch (err) {
    const why = err.code === 'no_history' ? 'The service keeps no event history, so there are no figures for the day.'
      : err.code === 'reports_busy' ? 'The report server is busy; reload the page to try again.'
      : `The day's figures could not be read: ${err.message}`;
    return replace(into, title, notice('empty', why, null));
  }
  const row = report.rows.find((r) => r.agent === id);
  if (!row) return replace(into, title, notice('empty', 'No activity today.', 'Offers, work and agent states of the day show here.'));
  const cell = ([key, label, show]) => h('div', {class: 'field', dataset: {field: key}}, h('dt', {}, label),
    h('dd', {class: 'num'}, show(row[key])));
  replace(into, title, h('dl', {class: 'facts', id: 'agent-today-facts'}, TODAY.map(cell)));
}
