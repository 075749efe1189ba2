// A workspace's console in Debian's chromium (workspace_test.sh): at /v1/workspaces/sales/ui/
// it signs in with the workspace's token (the default workspace's is refused, naming the
// workspace), shows the workspace's queue overview against its own GET /v1/stats/queue, and
// every API request it makes stays under the workspace's base path.
import {join} from 'node:path';
import {api, bound, check, env, finish, launch, step} from './lib.mjs';

const {IWD_URL: url, IWD_SALES: sales, IWD_DEFAULT: other, IWD_SHOTS: shots} = env;
const base = '/v1/workspaces/sales';
bound(100);

const browser = await launch();
const page = await browser.newPage();
page.setDefaultTimeout(10000);
await page.setViewport({width: 1280, height: 800});
const urls = [], errors = [];
page.on('request', (r) => urls.push(new URL(r.url()).pathname));
page.on('pageerror', (e) => errors.push(e.message));
page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });

try {
  await step("the default workspace's token is refused, naming the workspace", async () => {
    await page.goto(url + base + '/ui/', {waitUntil: 'networkidle0'});
    await page.waitForSelector('#token');
    await page.type('#token', other);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#signin-message').textContent.includes('sales'));
    check(!(await page.$('#queue-table')), 'no queue with the wrong workspace\'s token');
  });

  await step("the workspace's overview with its own token", async () => {
    await page.$eval('#token', (e) => { e.value = ''; });
    await page.type('#token', sales);
    await page.click('button[type=submit]');
    await page.waitForSelector('#queue-table tbody tr');
    await page.screenshot({path: join(shots, 'workspace-queue.png')});
    const stats = (await api(base + '/stats/queue?by=process', sales)).json;
    const open = stats.groups.reduce((n, g) => n + g.open, 0);
    check(open === 10, "the workspace's API counts its 10 items", String(open));
    const shown = await page.$$eval('#queue-table tbody tr td[data-field=open]', (tds) => tds.map((td) => Number(td.textContent.trim())));
    check(shown.reduce((a, b) => a + b, 0) === open, 'the overview shows its open items', `${shown} against ${open}`);
    check((await page.$eval('#whoami', (e) => e.textContent)).includes('sue'), 'the header names the workspace token');
    await page.waitForSelector('#workspace-name');
    check((await page.$eval('#workspace-name', (e) => e.textContent)).includes('workspace sales'), 'the header names the workspace');
  });

  await step('every request stayed in the workspace', async () => {
    const api_calls = urls.filter((p) => p.includes('/v1/'));
    check(api_calls.length > 0, 'the console called the API');
    const outside = api_calls.filter((p) => !p.startsWith(base + '/'));
    check(outside.length === 0, 'no request outside the workspace', outside.join(' '));
    check(await page.evaluate(() => sessionStorage.getItem('iwd.token')) === null, "the default's token slot is untouched");
  });
  check(errors.length === 0, 'no script error', errors.join(' | '));
} finally {
  await browser.close();
}
process.exit(finish());
