// The console's queue drill-down (sorted by priority, age and due through GET /v1/queue's
// `sort`) and an item's page (the priority chart, the explanation, the timeline) in Debian's
// chromium, headless, through puppeteer-core, against the `iwd serve` item_test.sh started and
// seeded: each figure against the API's. Every step and the run are bounded in time;
// screenshots at 1280x800 go to IWD_SHOTS (the harness: lib.mjs).
import {api as call, bound, check, env, finish, launch, signedIn, step} from './lib.mjs';

bound(170);
const supervisor = env.IWD_SUPERVISOR;
const api = async (path) => (await call(path, supervisor)).json;
const n = (v) => new Intl.NumberFormat('en-US').format(v);

const browser = await launch();
const {page, errors, shot, text} = await signedIn(browser, supervisor);
const base = env.IWD_URL;
const rows = () => page.$$eval('#items-table tbody tr', (r) => r.map((x) => x.dataset.item));

try {
  const proc = 'Sales.Silver';
  const listed = (sort) => api(`/v1/queue?state=open&process=${proc}&limit=50${sort ? '&sort=' + sort : ''}`);

  await step('the drill-down: the items in the order they are offered', async () => {
    await page.goto(base + `/ui/#/queue/items?process=${proc}&state=open`);
    await page.waitForSelector('#items-table');
    const want = (await listed('')).items.map((i) => i.id);
    check(JSON.stringify(await rows()) === JSON.stringify(want), 'the rows in the API order', (await rows()).join());
    check((await page.$eval('#items-sort', (e) => e.dataset.sort)) === 'priority', 'the sort shown: priority');
    check(await page.$eval('th[aria-sort] a', (e) => e.dataset.sort) === 'priority', 'the Priority heading marked');
  });

  for (const sort of ['due', 'age']) {
    await step(`sorted by ${sort} from the keyboard`, async () => {
      await page.focus(`#items-table thead a[data-sort=${sort}]`);
      await page.keyboard.press('Enter');
      await page.waitForFunction((s) => document.querySelector('#items-sort')?.dataset.sort === s, {}, sort);
      await page.waitForSelector('#items-table');
      const want = (await listed(sort)).items.map((i) => i.id);
      check(JSON.stringify(await rows()) === JSON.stringify(want), `by ${sort}: the rows in the API order`, (await rows()).join());
      check(await page.$eval('th[aria-sort] a', (e) => e.dataset.sort) === sort, `the ${sort} heading marked`);
      check(page.url().includes(`sort=${sort}`), 'the order in the address (a link to share)');
      if (sort === 'due') await shot('items_by_due');
    });
  }

  await step('to the item with an override: its facts', async () => {
    await page.click('#items-table a[href="#/items/T-5"]');
    await page.waitForSelector('#item-facts');
    const item = await api('/v1/items/T-5');
    check((await text('[data-field=process] dd')) === item.process, 'its process');
    check((await text('#item-override')).includes('fixed 5,000'), 'the override shown', await text('#item-override'));
    check(item.priority === 5000 && (await text('[data-field=priority] dd')).startsWith('5,000'), 'its priority now', await text('[data-field=priority] dd'));
  });

  await step('the priority chart: drawn, its points the API\'s', async () => {
    await page.waitForSelector('#priority-chart canvas');
    const x = await api('/v1/items/T-5/explain?curve=120');
    const shown = await page.$$eval('#priority-points tbody tr', (r) => r.map((t) => ({at: t.dataset.at,
      value: t.querySelector('[data-field=value]').textContent, rules: t.querySelector('[data-field=rules_value]').textContent})));
    // The point "now" moves between two requests; the others are fixed by the capture and the due instant.
    const fixed = x.curve.points.filter((p) => p.age_ms !== x.curve.age_ms);
    check(Math.abs(shown.length - x.curve.points.length) <= 1 && fixed.length >= 120, 'a point per API point', `${shown.length} shown`);
    for (const p of fixed) {
      const s = shown.find((q) => q.at === p.at);
      if (!s) { check(false, `the point at ${p.at}`); continue; }
      check(s.value === n(p.value) && s.rules === n(p.rules_value), `the point at ${p.at}`, `${s.value}/${s.rules} vs ${p.value}/${p.rules_value}`);
    }
    check(x.curve.points.some((p) => p.value !== p.rules_value), 'the override visible on the curve (the API)');
    check(await page.$$eval('.u-legend .u-series', (s) => s.length) >= 3, "the chart's legend: priority and the rules' priority");
    check(x.curve.due && (await text('#priority-chart figcaption')).includes('due'), 'the due instant named');
  });

  await step('the explanation: process, due and priority the API\'s', async () => {
    await page.waitForSelector('#explanation');
    const x = (await api('/v1/items/T-5/explain')).explanation;
    check((await text('#explain-process')) === x.classification.process, 'the process', await text('#explain-process'));
    check((await page.$eval('#explain-due', (e) => e.dataset.due)) === x.due.due, 'the due instant', x.due.due);
    check((await text('#explain-priority')) === n(x.priority.value), 'the priority', await text('#explain-priority'));
    check((await text('#explain-override')).includes('fixed 5,000'), 'the override in the priority parts');
    check((await page.$$eval('#explain-stages tbody tr', (r) => r.length)) === x.targets.stages.length, 'every target stage');
    check((await page.$eval('#explain-agents tbody tr', (r) => r.dataset.agent)) === 'ada', 'ada, its agent, first');
  });

  await step('the timeline: the history API\'s records', async () => {
    await page.waitForSelector('#timeline-table');
    const h = await api('/v1/items/T-5/history');
    const seqs = await page.$$eval('#timeline-table tbody tr', (r) => r.map((t) => Number(t.dataset.seq)));
    check(JSON.stringify(seqs) === JSON.stringify(h.records.map((r) => r.seq)), 'a row per record, oldest first', seqs.join());
    const kinds = await page.$$eval('#timeline-table tbody tr td:nth-child(2)', (r) => r.map((t) => t.textContent));
    check(h.records.every((r, k) => kinds[k]?.startsWith(r.kind)), 'each record\'s kind', kinds.join());
    await shot('item_explained');
    await page.evaluate(() => document.querySelector('#explanation').scrollIntoView());
    await shot('item_explanation');
  });

  await step('an item without an override: one line on the chart', async () => {
    await page.goto(base + '/ui/#/items/T-6');
    await page.waitForSelector('#priority-chart canvas');
    check(await page.$$eval('.u-legend .u-series', (s) => s.length) === 2, 'the priority only');
    check(!(await page.$('#item-override')), 'no override shown');
  });

  await step('an item that ended: its final state and timeline, no chart', async () => {
    await page.goto(base + '/ui/#/items/T-30');
    await page.waitForSelector('#timeline-table');
    const item = await api('/v1/items/T-30');
    check(item.state === 'canceled' && (await text('#item-state')) === 'canceled', 'canceled', await text('#item-state'));
    check(!!(await page.$('[data-field=ended_at]')) && !(await page.$('#priority-chart')), 'when it ended, no chart');
    const h = await api('/v1/items/T-30/history');
    check((await page.$$eval('#timeline-table tbody tr', (r) => r.length)) === h.records.length, 'its records');
  });

  check(errors.length === 0, 'no script error or policy violation', errors.join(' | '));
} finally {
  await browser.close();
}
process.exit(finish());
