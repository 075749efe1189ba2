// The supervisor's actions on an item's page (docs/console.md, "Actions"): the buttons its state
// allows (docs/lifecycle.md, "Supervisors"), each through a confirmation dialog saying what will
// happen, then the page shown again. None for a token that may not act (a viewer's, an agent's):
// the API would refuse them anyway. Kept apart from item.js, which only calls itemActions().
import {api, send} from '../api.js';
import {actionButton, confirmAction, field} from '../actions.js';
import {h, replace} from '../dom.js';
import {count, stateName, timeZone, wallClock, zoneNote} from '../format.js';

// The open states (runtime/events.h): an item that ended takes no action.
const OPEN = ['deferred', 'queued', 'offered', 'assigned', 'done_pending', 'parked', 'held'];

// The section of buttons for `it` (GET /v1/items/{id}'s answer), or null.
export function itemActions(it, app) {
  if (!app.canAct || !it || !OPEN.includes(it.state)) return null;
  const path = '/v1/items/' + encodeURIComponent(it.id);
  const done = () => app.reload();
  const simple = (op, title, text, confirm, danger = false) => () =>
    confirmAction({title, text, confirm, danger, run: () => send(`${path}/${op}`)}).then((r) => r && done());
  const s = it.state;
  const buttons = [
    ['deferred', 'queued', 'offered'].includes(s) && actionButton('Hold', 'hold', simple('hold', `Hold item ${it.id}`,
      s === 'offered' ? `The offer to ${it.agent} is withdrawn and the item waits, held, until someone resumes it. ${it.agent} stays ready.`
        : 'The item leaves the queue and waits, held, until someone resumes it.', 'Hold the item')),
    s === 'held' && actionButton('Resume', 'resume', simple('resume', `Resume item ${it.id}`,
      'The item goes back to the queue (or waits until its start time, if it has one still ahead).', 'Resume the item')),
    s === 'queued' && actionButton('Assign to an agent…', 'assign', () => assign(it, path, done)),
    s === 'offered' && actionButton('Pull back the offer', 'requeue', simple('requeue', `Pull back the offer of ${it.id}`,
      `The offer to ${it.agent} is withdrawn and the item goes back to the queue, in its place. ${it.agent} stays ready.`, 'Pull it back')),
    s === 'parked' && actionButton('Return to the queue', 'return', simple('return', `Return item ${it.id} to the queue`,
      `The item leaves ${it.agent}'s workbin and goes back to the queue for the next agent who fits.`, 'Return it')),
    (s === 'parked' || s === 'assigned') && actionButton(s === 'parked' ? 'Move to another workbin…' : 'Transfer to another agent…',
      'transfer', () => transfer(it, path, done)),
    actionButton('Override priority…', 'priority', () => priority(it, path, done)),
    it.priority_override && actionButton('Clear the override', 'clear-priority', () => confirmAction({
      title: `Clear the priority override of ${it.id}`,
      text: `The item's priority goes back to what the rules give it (now ${count(it.priority)} with the override).`,
      confirm: 'Clear the override', run: () => send(`${path}/priority`, {clear: true}),
    }).then((r) => r && done())),
    actionButton('Cancel the item…', 'cancel', simple('cancel', `Cancel item ${it.id}`,
      [`The item ends, canceled, and is not worked any more${it.agent ? `; ${it.agent} is freed for the next item` : ''}. `,
        h('strong', {}, 'This cannot be undone.')], 'Cancel the item', true), {danger: true}),
  ];
  return h('section', {class: 'actions', id: 'item-actions', 'aria-label': 'Actions'},
    h('h2', {}, 'Actions'), h('div', {class: 'action-bar'}, buttons));
}

// The agents to choose from (the first 1000 in login order), with their state in the label;
// when they cannot be listed, the select says why (the dialog still opens, and cancels).
async function agentPicker(id, except) {
  const select = h('select', {id, name: 'agent', required: true}, h('option', {value: ''}, 'Choose an agent'));
  try {
    const page = await api('/v1/agents?limit=1000');
    for (const a of page.agents)
      if (a.id !== except) select.append(h('option', {value: a.id}, `${a.id} (${stateName(a.state)}${a.reason ? ', ' + a.reason : ''})`));
  } catch (err) {
    replace(select, h('option', {value: ''}, `Could not list the agents: ${err.message}`));
  }
  return select;
}

async function assign(it, path, done) {
  const select = await agentPicker('assign-agent');
  const r = await confirmAction({
    title: `Assign item ${it.id}`,
    text: 'The item is offered to the agent you choose, even if the rules would not target that agent; the history records the override. ' +
      'The agent must be ready and have room for it.',
    fields: [field('Agent', select)],
    confirm: 'Offer it to this agent',
    run: () => {
      if (!select.value) throw new Error('Choose an agent first.');
      return send(`${path}/assign`, {agent: select.value});
    },
  });
  if (r) done();
}

async function transfer(it, path, done) {
  const select = await agentPicker('transfer-agent', it.agent);
  const parked = it.state === 'parked';
  const r = await confirmAction({
    title: parked ? `Move item ${it.id} to another workbin` : `Transfer item ${it.id}`,
    text: parked ? `The item leaves ${it.agent}'s workbin and is parked in the workbin of the agent you choose.`
      : `The item, assigned to ${it.agent}, goes to the agent you choose, assigned to them.`,
    fields: [field('To agent', select)],
    confirm: parked ? 'Move it' : 'Transfer it',
    run: () => {
      if (!select.value) throw new Error('Choose an agent first.');
      return send(`${path}/transfer`, {to: select.value});
    },
  });
  if (r) done();
}

async function priority(it, path, done) {
  const kind = h('select', {id: 'priority-kind', name: 'kind'},
    h('option', {value: 'set'}, 'A fixed priority'), h('option', {value: 'boost'}, "A boost, added to the rules' priority"));
  const value = h('input', {id: 'priority-value', name: 'value', type: 'number', step: '1', required: true, inputmode: 'numeric'});
  const until = h('select', {id: 'priority-until', name: 'until'},
    h('option', {value: ''}, 'until it is cleared'), h('option', {value: 'handled'}, 'until an agent next accepts it'),
    h('option', {value: 'instant'}, 'until a date and time'));
  // The end is a date and time on the clock of the zone every time of the console is in (the
  // rules' zone, format.js), named in the label, whatever the viewer's own zone.
  const zone = timeZone();
  const at = h('input', {id: 'priority-at', name: 'at', type: 'datetime-local', disabled: true});
  until.addEventListener('change', () => { at.disabled = until.value !== 'instant'; });
  const r = await confirmAction({
    title: `Override the priority of ${it.id}`,
    text: `Its priority is ${count(it.priority)} now. The override holds until it ends as chosen below or is cleared; ` +
      'explain and the history show it.',
    fields: [field('Override', kind), field('Value', value), field('Holds', until), field('Until', at,
      zoneNote() === `rules' zone ${zone}` ? `in ${zone}, the rules' zone` : `in ${zone} (${zoneNote()})`)],
    confirm: 'Override the priority',
    run: () => {
      const n = Number(value.value);
      if (value.value.trim() === '' || !Number.isInteger(n)) throw new Error('Give a whole number as the value.');
      const body = {[kind.value]: n};
      if (until.value === 'handled') body.until = 'handled';
      if (until.value === 'instant') {
        const when = wallClock(at.value, zone);
        if (!at.value || Number.isNaN(when)) throw new Error('Give the date and time the override ends.');
        body.until = new Date(when).toISOString();
      }
      return send(`${path}/priority`, body);
    },
  });
  if (r) done();
}
