// The console's queue drill-down (sorted by priority, age and due through GET /v1/queue's
// `sort`) and an item's page (the priority chart, the explanation, the timeline) in Debian's
// chromium, headless, through puppeteer-core, against the `iwd serve` item_test.sh started and
// seeded: each figure against the API's; an item's attributes (only those the rules type `time`
// shown as times), for a supervisor and for the item's agent; a hot reload to another zone while
// an item's timeline is shown (every row on its header's clock). Every step and the run are
// bounded in time; screenshots at 1280x800 go to IWD_SHOTS (the harness: lib.mjs).
import {readFileSync} from 'node:fs';
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

  // The page's own formatting of an instant on `zone`'s clock, as format.js's instant() should
  // give it (the browser's locale and time-zone data, not node's).
  const onClock = (iso, zone) => page.evaluate((t, z) => new Intl.DateTimeFormat(undefined,
    {dateStyle: 'medium', timeStyle: 'short', timeZone: z}).format(new Date(t)), iso, zone);
  // The attributes table of the item page shown in `tab`, by attribute.
  const attributes = (tab) => tab.$$eval('#item-attributes tbody tr', (r) =>
    Object.fromEntries(r.map((t) => [t.dataset.attribute, t.querySelector('td').textContent])));
  const attributesShown = async (tab, who) => {
    const item = await api('/v1/items/T-5');
    const shown = await attributes(tab);
    check(item.attributes.product === '2026-12-08T10:00:00' && shown.product === '2026-12-08T10:00:00',
      `${who}: a string that looks like a time, without a zone, shown as written`, shown.product);
    for (const name of ['activate_at', 'captured_at']) {
      const want = `${await onClock(item.attributes[name], 'Europe/Berlin')} Europe/Berlin`;
      check(shown[name] === want, `${who}: ${name} (typed time) on the rules' clock, named`, `${shown[name]} vs ${want}`);
    }
    check(shown.department === 'Sales' && shown.segment === 'Silver', `${who}: the other values as written`, JSON.stringify(shown));
  };

  await step("T-5's attributes: only those the rules type `time` as times", async () => {
    await page.goto(base + '/ui/#/items/T-5');
    await page.waitForSelector('#item-attributes');
    await attributesShown(page, 'a supervisor');
  });

  await step("the same for the item's agent (the time attributes from GET /v1/me)", async () => {
    const tab = await browser.newPage();
    await tab.emulateTimezone('America/New_York');
    await tab.goto(base + '/ui/', {waitUntil: 'networkidle0'});
    await tab.waitForSelector('#token');
    await tab.type('#token', env.IWD_AGENT);
    await tab.keyboard.press('Enter');
    await tab.waitForSelector('#agent-facts');
    await tab.goto(base + '/ui/#/items/T-5');
    await tab.waitForSelector('#item-attributes');
    await attributesShown(tab, 'ada, its agent');
    await tab.close();
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

  // Last: the rules' zone changes. The page is drawn while the console's request for the ruleset
  // is held; the rules are reloaded in Asia/Tokyo, then that request answers (the header now
  // names Tokyo): "Show more" adds rows on the clock the timeline's header names, Berlin's, like
  // the rest of the view; the page shown again is in Tokyo, all of it.
  const timelineRows = () => page.$$eval('#timeline-table tbody tr', (r) => r.map((t) => [t.dataset.seq, t.querySelector('td').textContent]));
  const onItsClock = async (zone, what) => {
    check((await text('#timeline-table thead th')) === `When (${zone})`, `${what}: the header names ${zone}`, await text('#timeline-table thead th'));
    const records = (await api('/v1/items/H-1/history?limit=1000')).records;
    const rows = await timelineRows();
    let wrong = 0;
    for (const [seq, when] of rows) {
      const r = records.find((x) => String(x.seq) === seq);
      if (!r || when !== await onClock(r.at, zone)) ++wrong;
    }
    check(rows.length > 0 && wrong === 0, `${what}: every row on ${zone}'s clock`, `${wrong} of ${rows.length} not`);
    return rows.length;
  };
  await step("a hot reload to another zone: the timeline's rows all on its header's clock", async () => {
    let held = null;
    const hold = (r) => {
      if (!held && r.method() === 'GET' && r.url().endsWith('/v1/admin/rules')) held = r;
      else r.continue();
    };
    await page.setRequestInterception(true);
    page.on('request', hold);
    try {
      await page.goto(base + '/ui/#/items/H-1');
      await page.waitForSelector('#timeline-table tbody tr');
      check(held !== null, "the console's request for the ruleset held");
      await onItsClock('Europe/Berlin', 'the first page');
      const put = await fetch(env.IWD_URL + '/v1/admin/rules', {method: 'PUT', body: readFileSync(env.IWD_TOKYO_RULES),
        headers: {Authorization: `Bearer ${env.IWD_ADMIN}`, 'Content-Type': 'text/plain'}, signal: AbortSignal.timeout(10000)});
      check(put.status === 200, 'the rules reloaded in Asia/Tokyo', `${put.status} ${await put.text()}`);
      await held.continue();
      await page.waitForFunction(() => document.querySelector('#ruleset')?.textContent.includes('Asia/Tokyo'));
      const more = await page.$('#item-timeline button');
      check(more !== null, 'a timeline longer than a page: "Show more"');
      await more.click();
      await page.waitForFunction(() => document.querySelectorAll('#timeline-table tbody tr').length > 100);
      check((await onItsClock('Europe/Berlin', 'after "Show more"')) > 100, 'more than a page shown');
      check(!(await page.$eval('main', (m) => m.textContent)).includes('Asia/Tokyo'), "no time of the view in the header's new zone");
    } finally {
      page.off('request', hold);
      await page.setRequestInterception(false);
    }
    await page.goto(base + '/ui/#/queue');
    await page.waitForSelector('#queue-body');
    await page.goto(base + '/ui/#/items/H-1');
    await page.waitForFunction(() => document.querySelector('#timeline-table thead th')?.textContent.includes('Asia/Tokyo'));
    await page.waitForSelector('#timeline-table tbody tr');
    await onItsClock('Asia/Tokyo', 'the page shown again');
    check((await text('#item-due')).endsWith(' Asia/Tokyo') || !(await page.$('#item-due')), 'its due time too');
  });

  check(errors.length === 0, 'no script error or policy violation', errors.join(' | '));
} finally {
  await browser.close();
}
process.exit(finish());
