// A process's items in distribution order (GET /v1/queue), 50 a page: the drill-down from the
// queue page. The API never lists more than a page, so a million open items cost one page.
import {api, query} from '../api.js';
import {h, notice, replace} from '../dom.js';
import {count, stateName} from '../format.js';
import {bulkActions} from './bulk_actions.js';
import {itemsTable, SORTS} from './items_table.js';

export const PAGE = 50;
const STATES = ['open', 'queued', 'offered', 'assigned', 'parked', 'held', 'deferred', 'done_pending'];

export async function render(view, {params}, app) {
  const process = params.get('process') || '';
  const state = STATES.includes(params.get('state')) ? params.get('state') : 'open';
  const offset = Math.max(0, Number.parseInt(params.get('offset') || '0', 10) || 0);
  const sort = SORTS[params.get('sort')] ? params.get('sort') : 'priority';
  const link = (changes) => '#/queue/items' + query({process, state, offset, sort: sort === 'priority' ? '' : sort, ...changes});
  const select = h('select', {id: 'state', name: 'state'}, STATES.map((s) => h('option', {value: s, selected: s === state}, stateName(s))));
  select.addEventListener('change', () => app.go(link({state: select.value, offset: 0})));
  const body = h('div', {});
  replace(view,
    h('nav', {class: 'crumbs', 'aria-label': 'Breadcrumbs'}, h('a', {href: '#/queue'}, 'Queue'), ' › ', process || 'all processes'),
    h('div', {class: 'page-head'}, h('h1', {}, process ? `Items of ${process}` : 'Items'), h('label', {class: 'inline'}, 'State ', select)),
    bulkActions({process, state}, app), body);
  let page;
  try {
    page = await api('/v1/queue' + query({process, state, sort, limit: PAGE, offset}));
  } catch (err) {
    const shown = app.failed(err, `the items of ${process || 'the queue'}`);
    if (shown) replace(body, shown);
    return;
  }
  if (page.items.length === 0) {
    replace(body, offset > 0
      ? notice('empty', 'No items on this page.', 'The list has fewer items now than when you paged here.')
      : notice('empty', `No ${stateName(state)} items${process ? ' in ' + process : ''}.`, 'Choose another state, or go back to the queue.'));
    if (offset > 0) body.append(h('p', {}, h('a', {href: link({offset: 0})}, 'Back to the first page')));
    return;
  }
  const last = offset + page.items.length;
  replace(body,
    h('p', {class: 'muted', id: 'items-range'}, `Items ${count(offset + 1)}–${count(last)} of ${count(page.total)}, sorted by `,
      h('strong', {id: 'items-sort', dataset: {sort}}, SORTS[sort].label), '. Choose another order with the Priority, Age and Due headings.'),
    itemsTable(page.items, 'items-table', {sort: {key: sort, link: (key) => link({sort: key === 'priority' ? '' : key, offset: 0})}}),
    h('nav', {class: 'pager', 'aria-label': 'Pages'},
      offset > 0 ? h('a', {href: link({offset: Math.max(0, offset - PAGE)}), rel: 'prev'}, '‹ Previous 50') : null,
      last < page.total ? h('a', {href: link({offset: last}), rel: 'next'}, 'Next 50 ›') : null));
}
