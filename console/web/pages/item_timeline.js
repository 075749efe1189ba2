// An item's timeline (GET /v1/items/{id}/history): its event history records oldest first, 100
// a page, with "Show more" for the next page (the API's cursor). Every row on the clock of the
// zone its page began with (item.js), the one its header names, "Show more"'s rows too.
import {api, query} from '../api.js';
import {h, notice, replace} from '../dom.js';
import {count, instant, stateName, timeZone} from '../format.js';

const PAGE = 100;

function row(r, zone) {
  const change = r.from && r.to && r.from !== r.to ? `${stateName(r.from)} → ${stateName(r.to)}` : stateName(r.to || r.from || '');
  return h('tr', {dataset: {seq: String(r.seq)}},
    h('td', {}, instant(r.at, zone)), h('td', {}, r.kind, r.reason ? h('span', {class: 'muted'}, ` (${r.reason})`) : null),
    h('td', {}, change), h('td', {}, r.agent || h('span', {class: 'muted'}, '–')),
    h('td', {class: 'num'}, r.priority === null || r.priority === undefined ? '–' : count(r.priority)),
    h('td', {}, r.actor || h('span', {class: 'muted'}, '–')));
}

export function timeline(id, app, zone = timeZone()) {
  const box = h('div', {id: 'item-timeline'}, h('p', {class: 'muted'}, 'Loading the timeline…'));
  const body = h('tbody', {});
  const more = h('p', {});
  const load = async (cursor) => {
    let page;
    try {
      page = await api(`/v1/items/${encodeURIComponent(id)}/history` + query({limit: PAGE, cursor}));
    } catch (err) {
      if (err.code === 'no_history') return replace(box, notice('empty', 'No timeline.', 'This service keeps no event history.'));
      const shown = app.failed(err, 'the item\'s timeline');
      if (shown) replace(box, shown);
      return;
    }
    if (!cursor) replace(box, h('div', {class: 'table-wrap'}, h('table', {class: 'grid', id: 'timeline-table'},
      h('thead', {}, h('tr', {}, [`When (${zone})`, 'Event', 'State', 'Agent', 'Priority', 'By'].map((c, k) =>
        h('th', {scope: 'col', class: k === 4 ? 'num' : null}, c)))), body)), more);
    body.append(...page.records.map((r) => row(r, zone)));
    replace(more, page.next_cursor ? h('button', {type: 'button', onclick: () => load(page.next_cursor)}, `Show ${PAGE} more`) : null);
  };
  load('');
  return box;
}
