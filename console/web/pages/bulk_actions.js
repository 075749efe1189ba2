// Bulk actions from the queue's drill-down (POST /v1/actions/preview, then /apply): the
// drill-down's filter (process, state), narrowed by age or source if wanted, and one action.
// The count comes first; the apply names it, so the service refuses (nothing done) when the
// filter matches another number by then, and the dialog says so. Applied in the API's batches
// until none is left; each item is its own change in its history.
import {send} from '../api.js';
import {confirmAction, field, refusal} from '../actions.js';
import {h, replace} from '../dom.js';
import {count} from '../format.js';

const OPS = [
  ['hold', 'Hold them'], ['resume', 'Resume them'], ['requeue', 'Pull back their offers'], ['cancel', 'Cancel them'],
  ['set', 'Set a fixed priority'], ['boost', 'Boost their priority'],
];

// The panel for the drill-down's `filter` ({process, state}), or null for a token that may not act.
export function bulkActions(filter, app) {
  if (!app.canAct) return null;
  const op = h('select', {id: 'bulk-op', name: 'op'}, OPS.map(([v, label]) => h('option', {value: v}, label)));
  const value = h('input', {id: 'bulk-value', name: 'value', type: 'number', step: '1', size: 6, disabled: true});
  const older = h('input', {id: 'bulk-older', name: 'older_than', size: 6, placeholder: 'e.g. 2h', autocomplete: 'off'});
  const source = h('input', {id: 'bulk-source', name: 'source', size: 10, autocomplete: 'off'});
  op.addEventListener('change', () => { value.disabled = op.value !== 'set' && op.value !== 'boost'; });
  const result = h('div', {id: 'bulk-result', 'aria-live': 'polite'});
  const form = h('form', {class: 'filters bulk', 'aria-label': 'Bulk action'},
    h('label', {}, 'Action ', op), h('label', {}, 'Value ', value), h('label', {}, 'Older than ', older),
    h('label', {}, 'Source ', source), h('button', {type: 'submit', dataset: {action: 'bulk-preview'}}, 'Preview'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const request = {filter: {...(filter.process && {process: filter.process}), state: filter.state || 'open',
      ...(older.value.trim() && {older_than: older.value.trim()}), ...(source.value.trim() && {source: source.value.trim()})},
    action: action(op.value, value.value)};
    if (!request.action) return replace(result, h('p', {class: 'alert', role: 'alert'}, 'Give a whole number as the value.'));
    replace(result, h('p', {class: 'muted'}, 'Counting…'));
    try {
      const preview = await send('/v1/actions/preview', request);
      replace(result, previewed(request, preview, op.selectedOptions[0].textContent, app));
    } catch (err) {
      replace(result, h('p', {class: 'alert', role: 'alert'}, refusal(err)));
    }
  });
  return h('details', {class: 'bulk-panel', id: 'bulk-actions'},
    h('summary', {}, 'Act on these items'),
    h('p', {class: 'muted'}, 'Choose an action, preview how many items it takes now, then apply it.'), form, result);
}

function action(op, value) {
  if (op !== 'set' && op !== 'boost') return {op};
  const n = Number(value);
  return value.trim() !== '' && Number.isInteger(n) ? {op: 'priority', [op]: n} : null;
}

// The preview's count and sample, and the apply's button (none when nothing matches).
function previewed(request, preview, label, app) {
  if (preview.count === 0) return h('p', {id: 'bulk-count'}, 'No item matches now: nothing to do.');
  const apply = h('button', {type: 'button', class: 'danger', dataset: {action: 'bulk-apply'}}, `Apply to ${count(preview.count)} items…`);
  apply.addEventListener('click', async () => {
    const done = await confirmAction({
      title: `${label}: ${count(preview.count)} items`,
      text: `${label} — ${count(preview.count)} items match the filter now. Each is changed on its own (its history records it), ` +
        `${count(preview.batch)} at a time. If the count has changed by then, nothing is done and you preview again.`,
      confirm: `Apply to ${count(preview.count)} items`, danger: request.action.op === 'cancel',
      run: () => applyAll(request, preview.count),
    });
    if (done) {
      const refused = done.results.filter((r) => r.status >= 300);
      apply.replaceWith(h('p', {id: 'bulk-done', role: 'status'}, `Applied to ${count(done.applied)} items.`,
        refused.length ? ` ${count(refused.length)} refused, e.g. ${refused[0].item}: ${refused[0].error.message}.` : '', ' ',
        h('button', {type: 'button', onclick: () => app.reload()}, 'Show the items now')));
    }
  });
  return h('div', {}, h('p', {id: 'bulk-count'}, `${count(preview.count)} items match now`,
    preview.sample.length ? `, such as ${preview.sample.slice(0, 5).join(', ')}.` : '.'), apply);
}

// Batch after batch while the service says there are more (bounded).
async function applyAll(request, first) {
  let applied = 0, results = [], next = {count: first};
  for (let k = 0; next && k < 1000; ++k) {
    const r = await send('/v1/actions/apply', {...request, count: next.count});
    applied += r.applied;
    results = results.concat(r.results);
    next = r.next;
  }
  return {applied, results};
}
