// The console's reports page against GET /v1/reports/KIND (pages_test.sh seeded the day): for
// each report the page's table equals the API's for the parameters the page asked with (by
// default today in the rules' zone, Europe/Berlin, not the browser's America/New_York: the range
// shown, the request and the chart's axis; the viewer's day by choice), numbers right-aligned with their units, a chart drawn; the CSV
// downloaded equals the API's CSV and the token is in no URL; a day without activity and a busy
// report server are said for people. Screenshots at 1280x800.
import {mkdirSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {api, bound, check, env, finish, launch, signedIn, step} from './lib.mjs';

bound(200);
const supervisor = env.IWD_SUPERVISOR;
const browser = await launch();
let exit = 1;
try {
  const {page, urls, errors, shot, text} = await signedIn(browser, supervisor);
  const dayIn = (zone) => new Intl.DateTimeFormat('en-CA', {timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit'}).format(new Date());
  const today = dayIn('Europe/Berlin');  // the rules' zone's today: the page's default day
  const nextDay = (day) => new Date(Date.parse(day + 'T00:00:00Z') + 86400e3).toISOString().slice(0, 10);
  const n = (v) => new Intl.NumberFormat('en-US', {maximumFractionDigits: 0}).format(v);

  // The page's table, cell by cell, against the API's answer to the page's own request.
  const compare = async (kind, interval) => {
    const path = await page.$eval('#report-body', (e) => e.dataset.query);
    const q = new URLSearchParams(path.split('?')[1]);
    check(path.startsWith(`/v1/reports/${kind}?`) && q.get('from') === today && q.get('to') === nextDay(today) &&
      q.get('tz') === 'Europe/Berlin' && q.get('interval') === interval, `${kind}: today in the rules' zone, every ${interval}`, path);
    const {status, json} = await api(path, supervisor);
    check(status === 200 && json.rows.length > 0, `${kind}: the API has rows`, `${status}`);
    const shown = await page.$$eval('#report-table tbody tr', (trs) => trs.map((tr) =>
      Array.from(tr.children).map((c) => ({field: c.dataset.field, value: c.dataset.value, text: c.textContent.trim()}))));
    check(shown.length === json.rows.length, `${kind}: a row per API row`, `${shown.length} shown, ${json.rows.length} in the API`);
    const wrong = [];
    json.rows.forEach((row, i) => json.columns.forEach((c, k) => {
      const cell = (shown[i] || [])[k] || {};
      const v = row[c.name];
      if (cell.field !== c.name || cell.value !== (v === null ? '' : String(v))) wrong.push(`row ${i} ${c.name}: ${cell.value} vs ${v}`);
      const readable = v === null ? cell.text === '–'
        : c.type === 'count' ? cell.text === n(v)
        : c.type === 'seconds' ? /^\d[\d,]* (ms|s|min|h|d)( \d+ (s|min|h))?$/.test(cell.text)
        : c.type === 'percent' ? /^\d[\d,]*(\.\d)? %$/.test(cell.text)
        : c.name === 'interval' ? cell.text === v.slice(11, 16) : cell.text === String(v);
      if (!readable) wrong.push(`row ${i} ${c.name} shown as "${cell.text}" for ${v} (${c.type})`);
    }));
    check(wrong.length === 0, `${kind}: every cell equals the API's, with its unit`, wrong.slice(0, 5).join('; '));
    const align = await page.$$eval('#report-table td.num', (tds) => tds.map((td) => getComputedStyle(td).textAlign));
    check(align.length > 0 && align.every((a) => a === 'right'), `${kind}: numbers right-aligned`);
    check(await page.$('#report-chart canvas') !== null, `${kind}: a chart`);
    return path;
  };

  await step('the intraday process report equals the API', async () => {
    await page.click('a[data-nav=reports]');
    await page.waitForSelector('#report-table');
    const path = await compare('intraday-process', '1h');
    check(new URLSearchParams(path.split('?')[1]).get('by') === 'process', 'by process');
    // The range shown is Berlin's today (as the page writes a date), midnight to midnight, the zone named.
    const berlinDay = await page.evaluate((d) => new Intl.DateTimeFormat(undefined, {dateStyle: 'full', timeZone: 'UTC'})
      .format(new Date(d + 'T00:00:00Z')), today);
    const range = await text('#report-range');
    check(range === `${berlinDay}, 00:00 to 24:00 Europe/Berlin (the rules' zone)`, "by default today in the rules' zone, named", range);
    check(!range.includes('America/New_York'), "not the viewer's zone", range);
    check(await page.$eval('#report-zone', (s) => s.value) === 'rules', "the zone chosen is the rules'");
    const sales = await page.$$eval('#report-table tbody tr', (trs) => trs.filter((tr) => tr.textContent.includes('Sales.Orders')).length);
    check(sales > 0, 'the seeded sales are in it');
    // The time axis spans the whole day in the rules' zone, not only its active intervals.
    const axis = await page.waitForFunction(() => {
      const p = document.querySelector('#report-chart')?.plot;
      return p && [p.scales.x.min, p.scales.x.max];
    }).then((h) => h.jsonValue());
    const zoneMidnight = (day) => {  // the hour whose wall clock in Berlin reads DAY 00:00
      const wall = new Intl.DateTimeFormat('en-CA', {timeZone: 'Europe/Berlin', hourCycle: 'h23', year: 'numeric',
        month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit'});
      for (let h = -14; h <= 14; ++h) {
        const t = Date.parse(day + 'T00:00:00Z') + h * 3600e3;
        if (wall.format(new Date(t)) === `${day}, 00:00`) return t / 1000;
      }
      return NaN;
    };
    const tomorrow = nextDay(today);
    check(axis[0] === zoneMidnight(today) && axis[1] === zoneMidnight(tomorrow), "the chart's axis is the whole day, midnight to midnight",
      `${axis} vs ${zoneMidnight(today)},${zoneMidnight(tomorrow)}`);
    await shot('reports_intraday');
  });

  await step('the segment service level report, by the rules\' report-by dimension', async () => {
    await page.select('#report-kind', 'segment-service-level');
    await page.waitForFunction(() => document.querySelector('#report-body')?.dataset.query.includes('segment-service-level') &&
      document.querySelector('#report-table'));
    const path = await compare('segment-service-level', '1h');
    check(new URLSearchParams(path.split('?')[1]).get('by') === 'segment', 'by segment (report by)', path);
    await shot('reports_segment');
  });

  await step('the resource performance report, by the day', async () => {
    await page.select('#report-kind', 'resource-performance');
    await page.waitForFunction(() => document.querySelector('#report-body')?.dataset.query.includes('resource-performance') &&
      document.querySelector('#report-table'));
    await page.select('#report-interval', '1d');
    await page.waitForFunction(() => document.querySelector('#report-body')?.dataset.query.includes('interval=1d') &&
      document.querySelector('#report-table'));
    const {json} = await api(await page.$eval('#report-body', (e) => e.dataset.query), supervisor);
    const ada = json.rows.find((r) => r.agent === 'ada');
    check(ada && ada.accepted === 1 && ada.completed === 1, 'ada accepted and completed one', JSON.stringify(ada));
    const shownDay = await text('#report-table tbody tr th');
    check(shownDay === today, 'a day interval is labelled by its date', shownDay);
    await shot('reports_resource');
  });

  await step("the day in the viewer's zone, by choice", async () => {
    await page.select('#report-zone', 'viewer');
    await page.waitForFunction(() => document.querySelector('#report-body')?.dataset.query.includes('America%2FNew_York') &&
      document.querySelector('#report-table'));
    const path = await page.$eval('#report-body', (e) => e.dataset.query);
    check(new URLSearchParams(path.split('?')[1]).get('from') === dayIn('America/New_York'), "today in the viewer's zone", path);
    const range = await text('#report-range');
    check(range.includes("America/New_York; the rules' zone is Europe/Berlin"), 'the range names both zones', range);
    await page.select('#report-zone', 'rules');
    await page.waitForFunction(() => document.querySelector('#report-body')?.dataset.query.includes('Europe%2FBerlin') &&
      document.querySelector('#report-table'));
  });

  await step('the CSV downloaded equals the API\'s, fetched with the token in a header', async () => {
    await page.select('#report-kind', 'intraday-process');
    await page.waitForFunction(() => document.querySelector('#report-body')?.dataset.query.includes('intraday-process') &&
      document.querySelector('#report-table'));
    const path = await page.$eval('#report-body', (e) => e.dataset.query);
    const dir = join(env.IWD_TMP, 'downloads');
    mkdirSync(dir, {recursive: true});
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', {behavior: 'allow', downloadPath: dir});
    await page.click('#report-csv');
    let file = null;
    for (let k = 0; k < 100 && !file; ++k) {
      file = readdirSync(dir).find((f) => f.endsWith('.csv'));
      if (!file) await new Promise((r) => setTimeout(r, 100));
    }
    check(file === `intraday-process_${today}_1d.csv`, 'the file is named by report, day and interval', file);
    const want = await api(path, supervisor, {accept: 'text/csv'});
    const got = file ? readFileSync(join(dir, file), 'utf8') : '';
    check(want.status === 200 && got === want.text && got.startsWith('interval,process,new,'), 'the same bytes as the API\'s CSV',
      `${got.length} vs ${want.text.length} bytes`);
    check(!urls.some((u) => u.includes(supervisor)), 'no request URL holds the token');
    check(!urls.some((u) => u.startsWith('blob:') && u.includes('token')), 'nor the download');
  });

  await step('readable on a tablet', async () => {
    await page.setViewport({width: 768, height: 1024});
    await page.goto(env.IWD_URL + `/ui/#/reports?kind=segment-service-level&day=${today}&interval=1h`);
    await page.waitForFunction(() => document.querySelector('#report-body')?.dataset.query.includes('segment-service-level') &&
      document.querySelector('#report-chart canvas'));
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 768, 'no sideways scrolling of the page at 768 px', `${wide}`);
    await shot('reports_tablet');
    await page.setViewport({width: 1280, height: 800});
  });

  await step('a day without activity is said for people', async () => {
    await page.goto(env.IWD_URL + '/ui/#/reports?kind=intraday-process&day=2020-01-06&interval=1h');
    await page.waitForFunction(() => document.querySelector('#report-body .notice.empty')?.textContent.includes('No activity that day'));
    check(await page.$('#report-table') === null, 'no empty table');
    await shot('reports_empty');
  });

  await step('a busy report server (503): a message and a retry that works', async () => {
    let busy = true;
    await page.setRequestInterception(true);
    page.on('request', (r) => {
      if (r.isInterceptResolutionHandled()) return;
      if (busy && r.url().includes('/v1/reports/'))
        return r.respond({status: 503, contentType: 'application/json',
          body: JSON.stringify({error: {code: 'reports_busy', message: '2 reports are being computed; ask again later'}})});
      r.continue();
    });
    await page.goto(env.IWD_URL + `/ui/#/reports?kind=intraday-process&day=${today}&interval=1h`);
    await page.waitForFunction(() => document.querySelector('#report-body .notice.error')?.textContent.includes('busy'));
    await shot('reports_busy');
    busy = false;
    await page.click('#report-retry');
    await page.waitForSelector('#report-table');
    await page.setRequestInterception(false);
  });

  check(errors.length === 0, 'no script error or policy violation in the console', errors.join(' | '));
  exit = finish();
} finally {
  await browser.close();
}
process.exit(exit);
