// Reports: the intraday process, segment service level and resource performance reports
// (GET /v1/reports/KIND, docs/reporting.md "Measures") for one day, as a chart and a table,
// with the same table as CSV to download. The day is a calendar day in the rules' zone, the one
// the reports' intervals are in (or the viewer's, by choice): the API is asked from that day's
// midnight to the next in that zone (23 or 25 hours on a change of offset), so the intervals
// follow its clock; a day left to its default is that zone's today.
import uPlot from '../vendor/uPlot.esm.js';
import {ApiError, query, request} from '../api.js';
import {h, notice, replace} from '../dom.js';
import {count, dayStart, duration, nextDay, showable, today, viewerZone} from '../format.js';

// [kind, name, the groups it can be by (null: none), the measures charted]
const KINDS = {
  'intraday-process': {name: 'Intraday process', groups: 'process', chart: ['new', 'completed', 'backlog']},
  'segment-service-level': {name: 'Segment service level', groups: 'dimension', chart: ['new', 'completed', 'completed_in_sla']},
  'resource-performance': {name: 'Resource performance', groups: null, chart: ['offered', 'accepted', 'completed']},
};
const INTERVALS = [['15m', '15 minutes'], ['1h', 'hour'], ['1d', 'day']];
const HEADINGS = {
  interval: 'Interval', new: 'New', completed: 'Completed', canceled: 'Canceled', expired: 'Expired', rejected: 'Rejected',
  backlog: 'Backlog', overdue: 'Overdue', completed_overdue: 'Completed overdue', avg_complete: 'Avg. to complete',
  p90_complete: '90th pct. to complete', avg_handle: 'Avg. handle', avg_first_offer: 'Avg. to first offer',
  completed_in_sla: 'Completed in SLA', service_level: 'Service level', backlog_overdue: 'Backlog overdue',
  process: 'Process', department: 'Department', agent: 'Agent', offered: 'Offered', accepted: 'Accepted', rona: 'No answer (RONA)', handle: 'Handle time',
  ready: 'Ready', not_ready: 'Not ready', busy: 'Busy', occupancy: 'Occupancy',
};
const COLORS = ['#1f5fbf', '#1b7a3e', '#b3261e'];

export async function render(view, {params}, app) {
  const kind = KINDS[params.get('kind')] ? params.get('kind') : 'intraday-process';
  const spec = KINDS[kind];
  const zoneChoice = params.get('zone') === 'viewer' ? 'viewer' : 'rules';
  // (the viewer's zone when this browser does not know the rules': format.js, zoneNote)
  const zone = zoneChoice === 'rules' ? showable(app.rules.timezone) : viewerZone();
  const day = /^\d{4}-\d{2}-\d{2}$/.test(params.get('day') || '') ? params.get('day') : today(zone);
  const interval = INTERVALS.some(([v]) => v === params.get('interval')) ? params.get('interval') : '1h';
  const dims = app.rules.report_by || [];
  const groupChoices = spec.groups === 'process' ? ['process', 'department', ...dims]
    : spec.groups === 'dimension' ? [...dims, 'process', 'department'] : [];
  const by = groupChoices.includes(params.get('by')) ? params.get('by') : groupChoices[0];
  // A day left to its default is today wherever the report is read: switching the zone then shows
  // that zone's today (past 23:00 UTC, Berlin's is already tomorrow), not the other zone's date.
  const chosen = {kind, day: params.get('day') === day ? day : undefined, interval, by, zone: zoneChoice};
  const apiQuery = query({from: day, to: nextDay(day), tz: zone, interval, by});
  const path = `/v1/reports/${kind}${apiQuery}`;

  const go = (change) => app.go('#/reports' + query({...chosen, ...change}));
  const select = (id, label, value, options, key) => {
    const s = h('select', {id, name: key}, options.map(([v, text]) => h('option', {value: v, selected: v === value}, text)));
    // Another report starts from its own grouping (the segment report by a `report by` dimension).
    s.addEventListener('change', () => go(key === 'kind' ? {kind: s.value, by: undefined} : {[key]: s.value}));
    return h('label', {}, label + ' ', s);
  };
  const dayInput = h('input', {type: 'date', id: 'report-day', name: 'day', value: day, required: true});
  dayInput.addEventListener('change', () => { if (dayInput.value) go({day: dayInput.value}); });
  const download = h('button', {type: 'button', id: 'report-csv'}, 'Download CSV');
  const body = h('div', {id: 'report-body', dataset: {query: path}});
  replace(view,
    h('div', {class: 'page-head'}, h('h1', {}, 'Reports'), download),
    h('div', {class: 'filters', role: 'group', 'aria-label': 'Report'},
      select('report-kind', 'Report', kind, Object.entries(KINDS).map(([k, v]) => [k, v.name]), 'kind'),
      h('label', {}, 'Day ', dayInput),
      select('report-zone', 'In', zoneChoice, [['rules', `the rules' zone (${app.rules.timezone})`], ['viewer', `your zone (${viewerZone()})`]], 'zone'),
      select('report-interval', 'Every', interval, INTERVALS, 'interval'),
      groupChoices.length ? select('report-by', 'By', by, groupChoices.map((g) => [g, dims.includes(g) ? `${g} (report by)` : g]), 'by') : null),
    h('p', {class: 'muted', id: 'report-range'},
      `${new Intl.DateTimeFormat(undefined, {dateStyle: 'full', timeZone: 'UTC'}).format(new Date(day + 'T00:00:00Z'))}, 00:00 to 24:00 ${zone}` +
      (zone === app.rules.timezone ? " (the rules' zone)" : `; the rules' zone is ${app.rules.timezone}`)),
    body);
  download.addEventListener('click', () => downloadCsv(path, `${kind}_${day}_${interval}.csv`, body, download, app));

  replace(body, h('p', {class: 'muted'}, 'Computing the report…'));
  let report;
  try {
    report = await request(path);
  } catch (err) {
    replace(body, failure(err, () => render(view, {params}, app), app));
    return;
  }
  if (report.rows.length === 0) {
    replace(body, notice('empty', 'No activity that day.',
      `Nothing was captured, worked or waiting on ${day} (${zone}) in the service's history. Choose another day.`));
    return;
  }
  replace(body, chart(report, spec.chart, zone, day), table(report, interval));
}

// Why a report did not come, for people; a busy report server is worth a retry.
function failure(err, retry, app) {
  if (err instanceof ApiError && err.code === 'reports_busy') {
    const again = h('button', {type: 'button', id: 'report-retry'}, 'Try again');
    again.addEventListener('click', retry);
    return h('div', {}, notice('error', 'The report server is busy.',
      'Other reports are being computed right now. Try again in a few seconds.'), h('p', {}, again));
  }
  if (err instanceof ApiError && err.code === 'no_history')
    return notice('empty', 'No reports here.', 'This service keeps no event history (history: false), so there is nothing to report.');
  if (err instanceof ApiError && err.code === 'bad_report') return notice('error', 'This report cannot be computed.', err.message);
  return app.failed(err, 'the report');
}

// The CSV of the same request (the API's own rendering, `Accept: text/csv`) saved as a file:
// fetched with the token in its header, never in a URL, and handed to the browser as a Blob.
async function downloadCsv(path, name, body, button, app) {
  button.disabled = true;
  try {
    const csv = await request(path, {accept: 'text/csv'});
    const url = URL.createObjectURL(new Blob([csv], {type: 'text/csv'}));
    const a = h('a', {href: url, download: name, hidden: true});
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    const shown = failure(err, () => downloadCsv(path, name, body, button, app), app);
    if (shown) replace(body, shown);
  } finally {
    button.disabled = false;
  }
}

// A cell as people read it: durations with their unit, percentages with %, counts grouped.
function cell(value, type) {
  if (value === null || value === undefined) return '–';
  if (type === 'count') return count(value);
  if (type === 'seconds') return value > 0 && value < 1 ? `${Math.round(value * 1000)} ms` : duration(value * 1000);
  if (type === 'percent') return `${new Intl.NumberFormat(undefined, {maximumFractionDigits: 1}).format(value)} %`;
  return String(value);
}

// An interval's label (its start as the zone's clock shows it, with the offset) shortened to
// what the day leaves to say: the time.
const intervalLabel = (label, interval) => (interval !== '1d' && /T\d{2}:\d{2}/.test(label) ? label.slice(11, 16) : label.slice(0, 10));

function table(report, interval) {
  const heading = (c) => HEADINGS[c.name] || (c.name.startsWith('not_ready_') ? `Not ready: ${c.name.slice(10)}` : c.name);
  return h('div', {class: 'table-wrap'},
    h('table', {class: 'grid', id: 'report-table'},
      h('caption', {}, report.title),
      h('thead', {}, h('tr', {}, report.columns.map((c) => h('th', {scope: 'col', class: c.type === 'text' ? null : 'num'}, heading(c))))),
      h('tbody', {}, report.rows.map((r) => h('tr', {},
        report.columns.map((c, k) => {
          const v = r[c.name];
          const attrs = {class: c.type === 'text' ? null : 'num', dataset: {field: c.name, value: v === null ? '' : String(v)}};
          if (c.name === 'interval') return h('th', {scope: 'row', title: v, ...attrs}, intervalLabel(v, interval));
          return h(k === 0 ? 'th' : 'td', attrs, cell(v, c.type));
        }))))));
}

// The measures summed over the groups, per interval, on a time axis in the report's zone that
// spans the whole day, midnight to midnight, whichever intervals had rows.
function chart(report, measures, zone, day) {
  const from = dayStart(day, zone) / 1000, to = dayStart(nextDay(day), zone) / 1000;
  const starts = [...new Set(report.rows.map((r) => r.interval))];
  const x = starts.map((s) => Date.parse(s.length === 10 ? s + 'T00:00:00Z' : s) / 1000);
  const series = measures.filter((m) => report.columns.some((c) => c.name === m)).map((m) => {
    const sums = new Map(starts.map((s) => [s, 0]));
    for (const r of report.rows) sums.set(r.interval, sums.get(r.interval) + (r[m] || 0));
    return {m, values: starts.map((s) => sums.get(s))};
  });
  const box = h('figure', {class: 'chart', id: 'report-chart', 'aria-label': `${measures.map((m) => HEADINGS[m]).join(', ')} per interval`},
    h('figcaption', {class: 'muted'}, `${series.map((s) => HEADINGS[s.m]).join(', ')} per interval, all groups together (${zone})`));
  // uPlot draws into the figure once it is in the page: as wide as the figure's content box
  // (kept on the figure as `plot`, which the browser test reads the time axis from).
  queueMicrotask(() => box.plot = new uPlot({
    width: Math.max(300, box.clientWidth - 24), height: 260,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
    scales: {x: {time: true, range: () => [from, to]}, y: {range: (_u, _min, max) => [0, Math.max(1, max)]}},  // counts: from 0, whole ticks
    series: [{}, ...series.map((s, k) => ({label: HEADINGS[s.m], stroke: COLORS[k % COLORS.length], width: 2,
      value: (_u, v) => (v === null ? '–' : count(v))}))],
    axes: [{}, {incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 1e5, 1e6], values: (_u, ticks) => ticks.map((t) => count(t))}],
  }, [x, ...series.map((s) => s.values)], box));
  return box;
}
