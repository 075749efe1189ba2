// The item's priority over its life (GET /v1/items/{id}/explain?curve=N's `curve`) as a uPlot
// chart: the priority the item has (the supervisor's override from now on), the rules' own
// where an override differs, the due instant and now marked. The points are also a table in a
// <details>, for keyboards, screen readers and exact figures.
import uPlot from '../vendor/uPlot.esm.js';
import {h} from '../dom.js';
import {count, duration, instant, timeZone} from '../format.js';

const INK = '#1f5fbf', RULES = '#8a94a3', DUE = '#b3261e', NOW = '#1b7a3e';

// A vertical line at x (seconds) across the plot, labelled at its top.
function mark(u, x, color, label) {
  if (x === null || x < u.scales.x.min || x > u.scales.x.max) return;
  const ctx = u.ctx, left = Math.round(u.valToPos(x, 'x', true));
  ctx.save();
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = 2 * devicePixelRatio;
  ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
  ctx.beginPath();
  ctx.moveTo(left, u.bbox.top);
  ctx.lineTo(left, u.bbox.top + u.bbox.height);
  ctx.stroke();
  ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
  ctx.textAlign = left > u.bbox.left + u.bbox.width / 2 ? 'right' : 'left';
  ctx.fillText(label, left + (ctx.textAlign === 'right' ? -6 : 6) * devicePixelRatio, u.bbox.top + 14 * devicePixelRatio);
  ctx.restore();
}

export function priorityChart(curve, view, {override, zone = timeZone()}) {
  const points = curve.points;
  const x = points.map((p) => Date.parse(p.at) / 1000);
  const value = points.map((p) => p.value);
  const overridden = points.some((p) => p.value !== p.rules_value);
  const due = curve.due ? Date.parse(curve.due) / 1000 : null;
  const now = Date.parse(curve.start) / 1000 + curve.age_ms / 1000;
  const what = override ? `The priority with the supervisor's override (${override}) from now on, and the rules' own` : 'The priority the rules give';
  const box = h('figure', {class: 'chart', id: 'priority-chart', dataset: {points: String(points.length)},
    'aria-label': `${what}, from capture${curve.due ? ' to the due instant' : ''}`},
    h('figcaption', {class: 'muted'}, `${what}, from ${instant(curve.start, zone)} to ${instant(points[points.length - 1].at, zone)}`,
      curve.due ? ` · due ${instant(curve.due, zone)}` : ' · no due time', ` · now is age ${duration(curve.age_ms)} · times in ${zone}`));
  const width = Math.max(300, Math.min((view.clientWidth || 1200) - 2, 1352));
  const series = [{}, {label: 'Priority', stroke: INK, width: 2, value: (_u, v) => (v === null ? '–' : count(v))}];
  const data = [x, value];
  if (overridden) {
    series.push({label: "Rules' priority", stroke: RULES, width: 1.5, dash: [5, 5], value: (_u, v) => (v === null ? '–' : count(v))});
    data.push(points.map((p) => p.rules_value));
  }
  // uPlot draws into the figure once it is in the page (it measures its legend there).
  queueMicrotask(() => new uPlot({
    width, height: 260,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
    series,
    axes: [{}, {values: (_u, ticks) => ticks.map((t) => count(t))}],
    hooks: {draw: [(u) => { mark(u, due, DUE, 'due'); mark(u, now, NOW, 'now'); }]},
  }, data, box));
  const table = h('details', {class: 'chart-data'}, h('summary', {}, `The ${count(points.length)} points as a table`),
    h('div', {class: 'table-wrap'}, h('table', {class: 'grid', id: 'priority-points'},
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, `At (${zone})`), h('th', {scope: 'col', class: 'num'}, 'Age'),
        h('th', {scope: 'col', class: 'num'}, 'Priority'), h('th', {scope: 'col', class: 'num'}, "Rules' priority"))),
      h('tbody', {}, points.map((p) => h('tr', {dataset: {at: p.at}},
        h('td', {}, instant(p.at, zone)), h('td', {class: 'num'}, duration(p.age_ms)),
        h('td', {class: 'num', dataset: {field: 'value'}}, count(p.value)),
        h('td', {class: 'num', dataset: {field: 'rules_value'}}, count(p.rules_value))))))));
  return [box, table];
}
