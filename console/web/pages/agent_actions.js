// The supervisor's actions on an agent's page: set ready, not ready or logged out (with a
// reason), and return the whole workbin to the queue. Each through a confirmation dialog;
// none for a token that may not act.
import {send} from '../api.js';
import {actionButton, confirmAction, field} from '../actions.js';
import {h} from '../dom.js';
import {count} from '../format.js';

// The buttons for `agent` (GET /v1/agents/{id}) and its workbin, or null.
export function agentActions(agent, workbin, app) {
  if (!app.canAct) return null;
  const path = '/v1/agents/' + encodeURIComponent(agent.id);
  const done = () => app.reload();
  const state = (to, title, text, confirm) => async () => {
    const reason = h('input', {id: 'state-reason', name: 'reason', maxlength: 200, autocomplete: 'off'});
    const r = await confirmAction({
      title, text, confirm,
      fields: to === 'ready' ? [] : [field('Reason', reason, 'shown on the agents page and kept in the history')],
      run: () => send(`${path}/state`, to === 'ready' || !reason.value.trim() ? {state: to} : {state: to, reason: reason.value.trim()}, {method: 'PUT'}),
    });
    if (r) done();
  };
  const held = workbin.holding.length;
  const parked = workbin.parked.length;
  const buttons = [
    agent.state !== 'ready' && actionButton('Set ready', 'ready', state('ready', `Set ${agent.id} ready`,
      `${agent.id} is offered items again as they fit.`, 'Set ready')),
    agent.state !== 'not_ready' && actionButton('Set not ready…', 'not-ready', state('not_ready', `Set ${agent.id} not ready`,
      `${agent.id} gets no new offers until set ready again${held ? `; the ${count(held)} items offered or assigned now stay with them` : ''}.`,
      'Set not ready')),
    agent.state !== 'logged_out' && actionButton('Log out…', 'log-out', state('logged_out', `Log ${agent.id} out`,
      `${agent.id} is logged out and gets no offers until logging in again${held ? `; the ${count(held)} items offered or assigned now follow the rules for a logout` : ''}.`,
      'Log out'), {danger: true}),
    parked > 0 && actionButton(`Return the workbin (${count(parked)})…`, 'return-workbin', async () => {
      const r = await confirmAction({
        title: `Return ${agent.id}'s workbin`,
        text: `Every item parked in ${agent.id}'s workbin (${count(parked)} now) goes back to the queue, each recorded in its history.`,
        confirm: `Return ${count(parked)} items`,
        run: () => returnAll(path),
      });
      if (r) done();
    }),
  ];
  return h('div', {class: 'action-bar', id: 'agent-actions', role: 'group', 'aria-label': 'Actions'}, buttons);
}

// The API returns at most a batch a call: call again while items remain (bounded, so a workbin
// someone keeps filling cannot hold the dialog for ever).
async function returnAll(path) {
  let returned = 0;
  for (let k = 0; k < 100; ++k) {
    const r = await send(`${path}/workbin/return`);
    returned += r.returned;
    if (r.remaining === 0 || r.returned === 0) break;
  }
  return {returned};
}
