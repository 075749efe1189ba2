// The console's pages in Debian's chromium, headless, through puppeteer-core (no browser of
// its own), against the `iwd serve` that console_test.sh started and seeded. Every step and
// the whole run are bounded in time; screenshots of each page at 1280x800 go to IWD_SHOTS.
import {join} from 'node:path';
import {api, bound, check, env, finish, launch, step} from './lib.mjs';

const {IWD_URL: base, IWD_SUPERVISOR: supervisor, IWD_SOURCE: source, IWD_SHOTS: shots} = env;
bound(200);
// A supervisor's read of the API: its JSON.
const read = async (path) => (await api(path, supervisor)).json;

const browser = await launch();
const page = await browser.newPage();
page.setDefaultTimeout(10000);
await page.setViewport({width: 1280, height: 800});
// The viewer in another zone than the rules' (Europe/Berlin): every time is shown on Berlin's
// clock, the zone named, none on New York's.
await page.emulateTimezone('America/New_York');
const urls = [], errors = [];
let statsRequests = 0;
page.on('request', (r) => { urls.push(r.url()); if (r.url().includes('/v1/stats/queue')) ++statsRequests; });
page.on('pageerror', (e) => errors.push(e.message));
// A refused request is logged as an error too: the API's 4xx are expected here, script errors
// and Content-Security-Policy violations are not.
page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
const shot = (name) => page.screenshot({path: join(shots, `${name}.png`)});
const text = (sel) => page.$eval(sel, (e) => e.textContent.trim());
// An instant as the console shows it on `zone`'s clock (the browser runs in en-US), spaces
// made plain (ICU puts a narrow one before AM/PM).
const plain = (t) => t.replace(/\s+/g, ' ');
const inZone = (iso, zone) => plain(new Intl.DateTimeFormat('en-US', {dateStyle: 'medium', timeStyle: 'short', timeZone: zone}).format(new Date(iso)));
// No time on the viewer's clock anywhere on the page: New York is never named.
const noViewerZone = async (where) => {
  const all = await page.evaluate(() => document.body.innerText);
  check(!all.includes('New_York'), `${where}: no time in the viewer's zone`, all.slice(all.indexOf('New_York') - 80, all.indexOf('New_York') + 20));
};

try {
  await step('sign-in refuses a wrong token', async () => {
    await page.goto(base + '/ui/', {waitUntil: 'networkidle0'});
    await page.waitForSelector('#token');
    await shot('signin');
    await page.type('#token', 'not-a-token-at-all-0000');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#signin-message').textContent.includes('not accepted'));
    check(!(await page.$('#queue-body')), 'no queue after a wrong token');
  });

  await step("sign-in refuses a source token: its role can't read the console", async () => {
    await page.$eval('#token', (e) => { e.value = ''; });
    await page.type('#token', source);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#signin-message').textContent.includes('supervisor or admin token'));
    check(await page.evaluate(() => sessionStorage.getItem('iwd.token')) === null, 'a refused token is not kept');
  });

  await step('sign-in with the supervisor token', async () => {
    await page.$eval('#token', (e) => { e.value = ''; });
    await page.type('#token', supervisor);
    await page.click('button[type=submit]');
    await page.waitForSelector('#queue-table');
    check((await text('#ruleset')).includes('reportday 1.0'), 'the header names the ruleset', await text('#ruleset'));
    check((await text('#ruleset')).includes('Europe/Berlin'), "the header shows the rules' zone");
  });

  await step("the live clock: Berlin's wall time, the zone named", async () => {
    // The clock is set at each poll: the one shown after a change was set between `from` and now.
    const before = await text('#live');
    const from = Date.now() - 1000;
    await page.waitForFunction((b) => document.querySelector('#live').textContent.trim() !== b, {timeout: 8000}, before);
    const shown = plain(await text('#live')), to = Date.now() + 1000;
    const clocks = new Set();
    for (let t = from; t <= to; t += 500)
      clocks.add(plain(`Live · ${new Intl.DateTimeFormat('en-US', {timeStyle: 'medium', timeZone: 'Europe/Berlin'}).format(new Date(t))} Europe/Berlin`));
    check(clocks.has(shown), "the header's clock on Berlin's time, named", `${shown} (expected one of ${[...clocks].join(', ')})`);
  });

  // Each group's row against GET /v1/stats/queue, number by number.
  const compare = async (by) => {
    const stats = await read(`/v1/stats/queue?by=${by}`);
    const shown = await page.$$eval('#queue-table tbody tr', (rows) => rows.map((r) => {
      const cells = {};
      for (const td of r.querySelectorAll('td[data-field]')) cells[td.dataset.field] = td.textContent.trim();
      return {group: r.dataset.group, cells};
    }));
    check(shown.length === stats.groups.length, `${by}: a row per group`, `${shown.length} rows, ${stats.groups.length} groups`);
    const n = (v) => new Intl.NumberFormat('en-US').format(v);
    for (const g of stats.groups) {
      const row = shown.find((r) => r.group === (g.name ?? ''));
      if (!row) { check(false, `${by}: a row for ${g.name}`); continue; }
      const want = {open: g.open, queued: g.states.queued, offered: g.states.offered, assigned: g.states.assigned,
        parked: g.states.parked, held: g.states.held + g.states.deferred, overdue: g.overdue, due_next_hour: g.due_next_hour};
      for (const [k, b] of Object.entries(g.ages)) want['age_' + k] = b;
      for (const [field, value] of Object.entries(want))
        check(row.cells[field] === n(value), `${by} ${g.name} ${field}`, `shown ${row.cells[field]}, API ${value}`);
      check(/\d+ (h|min|s|d)/.test(row.cells.oldest_age_ms), `${by} ${g.name} oldest age with its unit`, row.cells.oldest_age_ms);
    }
    return stats;
  };

  await step('the queue by process equals GET /v1/stats/queue', async () => {
    const stats = await compare('process');
    const sales = stats.groups.find((g) => g.name === 'Sales.Orders');
    check(sales && sales.open === 60 && sales.overdue === 20, 'the seeded sales: 60 open, 20 overdue', JSON.stringify(sales));
    const align = await page.$eval('#queue-table td[data-field=open]', (e) => getComputedStyle(e).textAlign);
    check(align === 'right', 'numbers right-aligned', align);
    await shot('queue');
  });

  await step('the queue by department and by a report-by dimension', async () => {
    await page.select('#by', 'department');
    await page.waitForFunction(() => document.querySelector('#queue-table caption')?.textContent.includes('department'));
    await compare('department');
    await page.select('#by', 'segment');
    await page.waitForFunction(() => document.querySelector('#queue-table caption')?.textContent.includes('segment'));
    await compare('segment');
    await page.select('#by', 'process');
    await page.waitForFunction(() => document.querySelector('#queue-table caption')?.textContent.includes('process'));
  });

  await step('live: a capture changes the count without a reload', async () => {
    await page.evaluate(() => { window.__sameDocument = true; });
    const before = await text('#queue-table tr[data-group="Claims.Files"] td[data-field=open]');
    await api('/v1/items', source, {method: 'POST', body: JSON.stringify({id: 'C-live', kind: 'Claim', tier: 2})});
    await page.waitForFunction((b) => document.querySelector('#queue-table tr[data-group="Claims.Files"] td[data-field=open]')?.textContent.trim() !== b,
      {timeout: 8000}, before);
    check(before === '5' && await text('#queue-table tr[data-group="Claims.Files"] td[data-field=open]') === '6', 'claims 5, then 6', before);
    check(await page.evaluate(() => window.__sameDocument === true), 'the same document (no reload)');
  });

  await step('live polling: every 2 s at most, none while the tab is hidden', async () => {
    const wait = (ms) => new Promise((r) => setTimeout(r, ms));
    let start = statsRequests;
    await wait(5000);
    const visible = statsRequests - start;
    check(visible >= 1 && visible <= 3, 'two or three polls in 5 s', `${visible}`);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
      document.dispatchEvent(new Event('visibilitychange'));
    });
    check((await text('#live')).includes('Paused'), 'the header says paused');
    start = statsRequests;
    await wait(4500);
    check(statsRequests === start, 'no poll while hidden', `${statsRequests - start}`);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'visible'});
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.waitForFunction(() => document.querySelector('#live').dataset.state === 'live');
    await wait(300);
    check(statsRequests > start, 'polls again once visible');
  });

  await step('the service unreachable: a notice, then the figures again', async () => {
    await page.setOfflineMode(true);
    await page.waitForFunction(() => document.querySelector('#queue-body .notice.error')?.textContent.includes('did not answer'), {timeout: 8000});
    await page.setOfflineMode(false);
    await page.waitForSelector('#queue-table', {timeout: 8000});
  });

  await step('drill-down: a process, by keyboard, 50 a page', async () => {
    await page.focus('#queue-table tr[data-group="Sales.Orders"] a');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#items-table');
    check(await page.evaluate(() => document.activeElement.id === 'main'), 'the keyboard continues in the new page');
    const rows = await page.$$eval('#items-table tbody tr', (r) => r.length);
    check(rows === 50, '50 items on the first page', `${rows}`);
    check((await text('#items-range')).includes('of 60'), 'the total', await text('#items-range'));
    const dueHead = await page.$eval('#items-table thead', (e) => e.textContent);
    check(dueHead.includes('Due (Europe/Berlin)'), "the Due column names the rules' zone", dueHead);
    // An overdue sale (due an hour ago, console_test.sh), on the first page.
    const [first, cell] = await page.$eval('#items-table td.alert[data-field=due]', (e) => [e.closest('tr').dataset.item, e.textContent.trim()]);
    const overdue = await read('/v1/items/' + encodeURIComponent(first));
    check(plain(cell) === `${inZone(overdue.due, 'Europe/Berlin')} (overdue)`, `${first}'s due on Berlin's clock`, `${cell}, API ${overdue.due}`);
    await noViewerZone('the items');
    const api50 = await read('/v1/queue?process=Sales.Orders&state=open&limit=50&offset=0');
    const ids = await page.$$eval('#items-table tbody tr', (r) => r.map((x) => x.dataset.item));
    check(JSON.stringify(ids) === JSON.stringify(api50.items.map((i) => i.id)), 'in the API\'s order');
    await shot('queue_items');
    await page.click('a[rel=next]');
    await page.waitForFunction(() => document.querySelectorAll('#items-table tbody tr').length === 10);
    check((await text('#items-range')).includes('51–60'), 'the second page', await text('#items-range'));
  });

  await step('an item\'s page', async () => {
    await page.click('#items-table tbody tr a');
    await page.waitForSelector('#item-facts');
    const id = decodeURIComponent(page.url().split('#/items/')[1]);
    const item = await read('/v1/items/' + encodeURIComponent(id));
    check((await text('#item-state')) === item.state.replace(/_/g, ' '), 'its state', await text('#item-state'));
    check((await text('[data-field=process] dd')) === item.process, 'its process');
    check((await text('[data-field=priority] dd')) === String(item.priority), 'its priority');
    check((await text('#item-attributes tr[data-attribute=segment] td')) === item.attributes.segment, 'its attributes');
    await shot('item');
    // A known item with a due time (S-1: due an hour ago, console_test.sh): every time on the
    // rules' zone's clock, named, wherever the page shows one.
    await page.goto(base + '/ui/#/items/S-1');
    await page.waitForSelector('#item-facts');
    const known = await read('/v1/items/S-1');
    const due = plain(await text('[data-field=due] dd'));
    check(due === `${inZone(known.due, 'Europe/Berlin')} Europe/Berlin overdue`, "due on the rules' zone's clock, named", `${due}, API ${known.due}`);
    const captured = plain(await text('#item-attributes tr[data-attribute=captured_at] td'));
    check(captured === `${inZone(known.attributes.captured_at, 'Europe/Berlin')} Europe/Berlin`, 'an instant attribute likewise', captured);
    await page.waitForSelector('#timeline-table');
    check((await text('#timeline-table thead')).includes('When (Europe/Berlin)'), "the timeline's times named", await text('#timeline-table thead'));
    await page.waitForSelector('#explain-due');
    const explained = plain(await text('#explain-due'));
    check(explained === `${inZone(known.due, 'Europe/Berlin')} Europe/Berlin`, "the explanation's due likewise", explained);
    check((await text('#priority-chart figcaption')).includes('times in Europe/Berlin'), "the chart's times named", await text('#priority-chart figcaption'));
    await noViewerZone('the item page');
    await page.goto(base + '/ui/#/items/NO-SUCH-ITEM');
    await page.waitForFunction(() => document.querySelector('.notice')?.textContent.includes('No open item NO-SUCH-ITEM'));
  });

  await step('the agents', async () => {
    await page.click('a[data-nav=agents]');
    await page.waitForSelector('#agents-table');
    const listed = await read('/v1/agents');
    const rows = await page.$$eval('#agents-table tbody tr', (r) => r.map((x) => ({id: x.dataset.agent, text: x.textContent})));
    check(JSON.stringify(rows.map((r) => r.id)) === JSON.stringify(listed.agents.map((a) => a.id)), 'every agent, in order',
      rows.map((r) => r.id).join());
    const carl = rows.find((r) => r.id === 'carl');
    check(carl && carl.text.includes('not ready') && carl.text.includes('training'), 'carl: not ready, training');
    for (const a of listed.agents) {
      const holding = await text(`#agents-table tr[data-agent="${a.id}"] td[data-field=holding]`);
      check(holding === String(a.holding.length), `${a.id} holds ${a.holding.length}`, holding);
    }
    await shot('agents');
    await page.select('#agent-state', 'not_ready');
    await page.click('form.filters button');
    await page.waitForFunction(() => document.querySelectorAll('#agents-table tbody tr').length === 1);
    await page.$eval('#agent-group', (e) => { e.value = 'night_shift'; });
    await page.click('form.filters button');
    await page.waitForFunction(() => document.querySelector('.notice.empty')?.textContent.includes('No agent matches these filters'));
    await page.$eval('#agent-group', (e) => { e.value = ''; });
    await page.$eval('#agent-skill', (e) => { e.value = 'no_such_skill'; });
    await page.click('form.filters button');
    await page.waitForFunction(() => document.querySelector('.notice.error')?.textContent.includes('no_such_skill'));
  });

  await step("an agent's page", async () => {
    await page.click('a[data-nav=agents]');
    await page.waitForSelector('#agents-table');
    await page.click('#agents-table tr[data-agent=ada] a');
    await page.waitForSelector('#agent-facts');
    const workbin = await read('/v1/agents/ada/workbin');
    const ids = async (sel) => page.$$eval(`${sel} tbody tr`, (r) => r.map((x) => x.dataset.item));
    check(workbin.parked.length === 1 && JSON.stringify(await ids('#agent-parked')) === JSON.stringify(workbin.parked.map((i) => i.id)),
      'her parked item', JSON.stringify(workbin.parked.map((i) => i.id)));
    check(workbin.holding.length === 1 && JSON.stringify(await ids('#agent-holding')) === JSON.stringify(workbin.holding.map((i) => i.id)),
      'the item she holds');
    check((await text('[data-field=skills] dd')) === 'sales 5', 'her skills', await text('[data-field=skills] dd'));
    const held = workbin.holding[0];
    check((await text('#agent-holding thead')).includes('Due (Europe/Berlin)'), "her items' Due column names the rules' zone");
    const heldDue = plain(await page.$eval(`#agent-holding tr[data-item="${held.id}"] td[data-field=due]`, (e) => e.textContent.trim()));
    check(held.due ? heldDue.startsWith(inZone(held.due, 'Europe/Berlin')) : heldDue === '–', "her held item's due on Berlin's clock", `${heldDue}, API ${held.due}`);
    check(plain(await text('#live')).endsWith('Europe/Berlin'), "the clock on the agent's page too", await text('#live'));
    await noViewerZone("the agent's page");
    await shot('agent');
    await page.goto(base + '/ui/#/agents/nobody');
    await page.waitForFunction(() => document.querySelector('.notice')?.textContent.includes('No agent nobody'));
  });

  await step('the rules in force', async () => {
    await page.click('a[data-nav=rules]');
    await page.waitForSelector('#rules-facts');
    check((await text('#rules-processes')).includes('Sales.Orders'), 'its processes');
    const rules = await read('/v1/admin/rules');
    const loaded = plain(await text('[data-field=loaded_at] dd'));
    check(loaded === `${inZone(rules.loaded_at, 'Europe/Berlin')} Europe/Berlin`, "loaded on the rules' zone's clock, named", loaded);
    await noViewerZone('the rules page');
    await shot('rules');
  });

  await step('readable on a tablet', async () => {
    await page.setViewport({width: 768, height: 1024});
    await page.click('a[data-nav=queue]');
    await page.waitForSelector('#queue-table');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 768, 'no sideways scrolling of the page at 768 px', `${wide}`);
    await shot('queue_tablet');
    await page.setViewport({width: 1280, height: 800});
  });

  // The rules may name a zone this browser's time-zone data does not know (newer than it, or one
  // browsers lack): every time is then in the viewer's zone and the header says why, rather than
  // every page failing to format its first time.
  await step("a rules' zone the browser does not know: times in the viewer's zone, said so", async () => {
    const got = await page.evaluate(async () => {
      const f = await import(new URL('format.js', document.baseURI).href);
      f.showTimesIn('Mars/Olympus_Mons');
      try {
        return {ok: true, zone: f.timeZone(), clock: f.clock(), due: f.zoned('2026-12-07T12:00:00Z'), note: f.zoneNote()};
      } catch (e) {
        return {ok: false, error: String(e)};
      } finally {
        f.showTimesIn('Europe/Berlin');
      }
    });
    check(got.ok, 'no time fails to format', got.error);
    if (!got.ok) return;
    check(got.zone === 'America/New_York', "the viewer's zone instead", got.zone);
    check(got.clock.endsWith('America/New_York') && got.due.endsWith('America/New_York'), 'the clock and a due named in it',
          `${got.clock} | ${got.due}`);
    check(got.note === "rules' zone Mars/Olympus_Mons unknown to this browser: times in America/New_York",
          "the header's words name both zones", got.note);
  });

  await step('the token is in no URL and not in localStorage', async () => {
    check(!urls.some((u) => u.includes(supervisor)), 'no URL holds the token');
    const stored = await page.evaluate(() => JSON.stringify({...localStorage}) + document.cookie);
    check(!stored.includes(supervisor), 'not in localStorage or a cookie');
    check(await page.evaluate(() => sessionStorage.getItem('iwd.token')) === supervisor, 'kept in the session');
  });

  await step('a revoked token: back to sign-in with a message', async () => {
    await page.evaluate(() => sessionStorage.setItem('iwd.token', 'revoked-token-000000000'));
    await page.click('a[data-nav=agents]');
    await page.waitForFunction(() => document.querySelector('#signin-message')?.textContent.includes('not accepted'));
    check(await page.evaluate(() => sessionStorage.getItem('iwd.token')) === null, 'the token forgotten');
  });

  check(errors.length === 0, 'no script error or policy violation in the console', errors.join(' | '));
} finally {
  await browser.close();
}
process.exit(finish());
