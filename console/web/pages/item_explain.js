// The explanation of an item (GET /v1/items/{id}/explain's `explanation`, `iwd explain`'s JSON,
// docs/explain.md) laid out for people: why its process, how its due time was computed, its
// priority piece by piece (and the supervisor's override), the target stages and the agents.
import {h} from '../dom.js';
import {count, timeZone, zoned} from '../format.js';

const where = (loc) => (loc ? h('span', {class: 'muted mono'}, ` ${loc}`) : null);
const yes = (b, t, f) => h('span', {class: b ? 'ok' : 'muted'}, b ? t : f);

function processPart(c) {
  const steps = c.steps.map((s) => h('li', {dataset: {holds: String(s.holds)}},
    `${s.kind} ${s.name}: `, s.when ? h('code', {}, s.when.text) : 'no condition', ' → ',
    yes(s.holds, 'holds', 'does not hold'), where(s.location)));
  if (c.result === 'rejected')
    return [h('p', {id: 'explain-process', class: 'alert'}, `Rejected: ${c.rejection}`), h('ol', {class: 'steps'}, steps)];
  return [h('p', {}, 'Process ', h('strong', {id: 'explain-process'}, c.process), where(c.location),
    c.by_default ? ' (the default process: no other took the item)' : ''), h('ol', {class: 'steps'}, steps)];
}

function duePart(d, zone) {
  const due = h('strong', {id: 'explain-due', dataset: {due: d.due || ''}}, d.due ? zoned(d.due, zone) : 'none');
  if (d.source === 'due_at') return [h('p', {}, 'Due ', due, ': the item\'s own due_at, which wins over the SLA.')];
  if (d.source === 'none') return [h('p', {}, 'Due ', due, ': the process has no SLA and the item no due_at.')];
  const sla = h('code', {}, d.sla.text);
  const out = [h('p', {}, 'Due ', due, ' — SLA ', sla, d.sla.text !== d.sla.value ? ` = ${d.sla.value}` : '',
    d.calendar ? ` of open time in calendar ${d.calendar} (${d.zone})` : '',
    d.start ? ` from ${d.start_from} ${zoned(d.start, zone)}` : ': absent, no due instant',
    d.sla_inherited ? ' (the department\'s clause)' : '', where(d.sla.location))];
  if (d.days.length)
    out.push(h('details', {}, h('summary', {}, `The ${d.days.length} local days counted`),
      h('ul', {class: 'columns'}, d.days.map((day) => h('li', {}, `${day.weekday} ${day.date}: `,
        day.closed ? h('span', {class: 'muted'}, day.closed) : `${day.counted.map((c) => `${c.from}–${c.to}`).join(', ')} (${day.total})`)))));
  return out;
}

function priorityPart(p, zone) {
  const rows = [];
  const row = (what, amount, loc) => rows.push(h('tr', {}, h('th', {scope: 'row'}, what, where(loc)), h('td', {class: 'num'}, amount)));
  const signed = (n) => (n >= 0 ? '+' : '') + count(n);
  if (!p.scheme) row('no priority scheme: every item ranks alike', '0');
  if (p.overdue && p.overdue.in_force) row(`overdue since ${zoned(p.overdue.due, zone)}: ${p.overdue.rule.text}`, p.overdue.rule.value);
  else {
    if (p.start) row(`start ${p.start.text}`, p.start.value, p.start.location);
    for (const e of p.every) row(e.started ? `${e.text}: ${e.steps} × ${count(e.add)}` : `${e.text}: not started`, signed(e.amount), e.location);
    if (p.curve) row(`curve (${p.curve.points.map((q) => `${q.age}: ${q.value}`).join(', ')})`, count(p.base), p.curve.location);
    for (const b of p.boosts) row(`${b.text}: ${b.holds ? 'holds' : 'does not hold'}`, b.holds ? signed(b.amount) : '+0', b.location);
    if (p.scheme) row('sum', count(p.sum));
    for (const [name, b] of [['min', p.min], ['max', p.max]])
      if (b) row(`${name} ${b.expr.text}`, b.applied ? `${name === 'min' ? 'raised' : 'lowered'} to ${count(b.value)}` : 'not reached', b.expr.location);
  }
  const o = p.override;
  if (o) {
    row('the rules\' priority', count(o.rules_value));
    const what = `${o.kind === 'fixed' ? 'fixed ' + count(o.value) : 'boost ' + signed(o.value)}${o.until ? ' until ' + zoned(o.until, zone) : ''}${o.until_handled ? ' until an agent accepts it' : ''}`;
    row(h('span', {id: 'explain-override'}, `supervisor's override: ${what}${o.in_force ? '' : ' (over)'}`), o.in_force ? count(p.value) : '–');
  }
  rows.push(h('tr', {class: 'total'}, h('th', {scope: 'row'}, `priority at age ${p.age}`), h('td', {class: 'num', id: 'explain-priority'}, count(p.value))));
  const next = p.next_change ? `Next change at age ${p.next_change.age} (${zoned(p.next_change.at, zone)}): ${count(p.next_change.value)}${p.next_change.exact ? '' : ' (approximately)'}.`
    : 'It never changes again by time.';
  return [h('p', {}, p.scheme ? ['Scheme ', h('strong', {}, p.scheme), where(p.location)] : null),
    h('div', {class: 'table-wrap'}, h('table', {class: 'grid terms', id: 'explain-terms'}, h('tbody', {}, rows))), h('p', {class: 'muted'}, next)];
}

function targetsPart(t, agents, leftOut) {
  if (!t) return [h('p', {class: 'muted'}, 'The process has no targets: no agent is eligible.')];
  const stages = h('div', {class: 'table-wrap'}, h('table', {class: 'grid', id: 'explain-stages'},
    h('thead', {}, h('tr', {}, ['#', 'Stage', 'Opens at age', 'For', 'Open now'].map((c) => h('th', {scope: 'col'}, c)))),
    h('tbody', {}, t.stages.map((s) => h('tr', {}, h('td', {class: 'num'}, s.stage), h('td', {}, h('code', {}, s.text), where(s.location)),
      h('td', {}, s.skipped ? 'skipped' : s.opens ?? 'never'), h('td', {}, s.for ?? '–'), h('td', {}, yes(s.open, 'open', 'no')))))));
  const people = agents.length === 0 ? h('p', {class: 'muted'}, 'No agent is logged in.')
    : h('div', {class: 'table-wrap'}, h('table', {class: 'grid', id: 'explain-agents'},
      h('thead', {}, h('tr', {}, ['Agent', 'Eligible now', 'Through stage', 'Later'].map((c) => h('th', {scope: 'col'}, c)))),
      h('tbody', {}, agents.map((a) => h('tr', {dataset: {agent: a.id ?? ''}}, h('th', {scope: 'row'}, a.id ?? `#${a.agent}`),
        h('td', {}, yes(a.eligible, 'eligible', 'no')), h('td', {class: 'num'}, a.stage ?? '–'),
        h('td', {}, a.eligible_from ? `from age ${a.eligible_from.age} (stage ${a.eligible_from.stage})` : a.eligible ? '' : 'no stage takes it'))))));
  return [h('p', {}, 'Targets ', h('strong', {}, t.name), where(t.location)), stages,
    h('h4', {}, 'Agents logged in'), people, leftOut ? h('p', {class: 'muted'}, `${count(leftOut)} more agents logged in are not shown.`) : null];
}

// Its times on `zone`'s clock (the item page's), named.
export function explanation(x, leftOut, zone = timeZone()) {
  const part = (title, id, ...content) => h('section', {class: 'explain-part', id}, h('h3', {}, title), ...content);
  return h('div', {class: 'explain', id: 'explanation'},
    part('Process', 'explain-classification', ...processPart(x.classification)),
    x.due ? part('Due time', 'explain-due-part', ...duePart(x.due, zone)) : null,
    x.priority ? part(`Priority at age ${x.priority.age}`, 'explain-priority-part', ...priorityPart(x.priority, zone)) : null,
    x.classification.result === 'process' ? part('Targets and agents', 'explain-targets', ...targetsPart(x.targets, x.agents, leftOut)) : null);
}
