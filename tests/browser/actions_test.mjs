// The supervisor's actions in the console (actions_test.sh started and seeded the service):
// each action taken from the item, agent and drill-down pages through its confirmation dialog,
// its effect checked through the API; refusals (an illegal state, an agent not ready, a bulk
// count that changed) shown in words with nothing changed; a viewer sees no button and the API
// refuses it; an agent token sees its own page only. 1280x800 screenshots.
import {api, bound, check, env, finish, launch, signedIn, step} from './lib.mjs';

bound(220);
const sup = env.IWD_SUPERVISOR;
const item = async (id) => (await api('/v1/items/' + id, sup)).json;
const agentOf = async (id) => (await api('/v1/agents/' + id, sup)).json;
const queued = async () => (await api('/v1/queue?process=Sales.Orders&state=queued&limit=1000', sup)).json.items.map((i) => i.id);
const historyOf = async (id) => (await api(`/v1/items/${id}/history`, sup)).json.records;
const browser = await launch();
let exit = 1;
try {
  const {page, errors, shot, text} = await signedIn(browser, sup);
  const ada = (await api('/v1/agents/ada/workbin', sup)).json;
  const [parked1, parked2] = ada.parked.map((i) => i.id);
  const waiting = await queued();
  check(ada.parked.length === 2 && ada.holding.length === 1 && waiting.length === 9, 'the seeded day: 2 parked, 1 offered, 9 queued',
    JSON.stringify({parked: ada.parked.length, holding: ada.holding.length, waiting: waiting.length}));

  // An item's page, its actions drawn.
  const open = async (hash, ready) => {
    await page.goto(env.IWD_URL + '/ui/#' + hash);
    await page.waitForSelector(ready);
  };
  const openItem = (id) => open('/items/' + encodeURIComponent(id), '#item-facts');
  const stateShown = (s) => page.waitForFunction((want) => document.querySelector('#item-state')?.textContent.trim() === want, {}, s);
  // A button by its action, then the dialog: confirmed, and closed when the service accepted.
  const act = async (action) => {
    await page.click(`[data-action="${action}"]`);
    await page.waitForSelector('dialog[open] [data-confirm]');
  };
  const confirm = async () => {
    await page.click('dialog[open] [data-confirm]');
    await page.waitForFunction(() => !document.querySelector('dialog[open]'));
  };
  const refusedWith = () => page.waitForFunction(() => document.querySelector('dialog[open] .dialog-error')?.textContent.trim())
    .then(() => text('dialog[open] .dialog-error'));

  await step('who am I: the header names the token and its role', async () => {
    check((await text('#whoami')) === 'sue · supervisor', 'sue, supervisor', await text('#whoami'));
  });

  const [held, stale, assigned, fixed, boosted, canceled] = waiting;
  await step('hold, by keyboard, then resume', async () => {
    await openItem(held);
    const labels = await page.$$eval('#item-actions button', (b) => b.map((x) => x.textContent.trim()));
    check(labels.length >= 4 && labels.every((l) => l.length > 0), 'every button labelled', labels.join(' | '));
    await page.focus('[data-action=hold]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog[open]');
    const says = await text('dialog[open] .dialog-text');
    check(says.includes('held') && says.includes('resumes'), 'the dialog says what will happen', says);
    check(await page.evaluate(() => document.activeElement.closest('dialog[open]') !== null), 'the keyboard is in the dialog');
    await shot('action_dialog');
    await page.keyboard.press('Enter');
    await stateShown('held');
    check((await item(held)).state === 'held', 'held through the API');
    const last = (await historyOf(held)).at(-1);
    check(last.actor === 'sue' && last.to === 'held', 'the history has sue holding it', JSON.stringify(last));
    await act('resume');
    await confirm();
    await stateShown('queued');
    check((await item(held)).state === 'queued', 'resumed: queued again');
  });

  await step('Escape cancels a dialog: nothing changes', async () => {
    await act('cancel');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('dialog[open]'));
    check((await item(held)).state === 'queued', 'still queued');
  });

  await step('a refused action (an illegal state) shows its error, nothing changed', async () => {
    await openItem(stale);
    const before = (await historyOf(stale)).length;
    await api(`/v1/items/${stale}/hold`, sup, {method: 'POST'});  // held meanwhile: the page still offers Hold
    await act('hold');
    await page.click('dialog[open] [data-confirm]');
    const shown = await refusedWith();
    check(shown.startsWith('Refused:') && shown.includes('held'), "the service's refusal in words", shown);
    await shot('action_refused');
    await page.keyboard.press('Escape');
    check((await historyOf(stale)).length === before + 1, 'only the API\'s hold happened');
  });

  await step('the agents cannot be listed: the picker says why', async () => {
    await openItem(boosted);
    const refuse = (r) => (r.url().includes('/v1/agents?') ? r.respond({status: 503, contentType: 'application/json',
      body: JSON.stringify({error: {code: 'busy', message: 'the server is at its connection limit'}})}) : r.continue());
    await page.setRequestInterception(true);
    page.on('request', refuse);
    try {
      await act('assign');
      const said = await text('#assign-agent');
      check(said.includes('Could not list the agents') && said.includes('connection limit'), 'the reason in the picker', said);
      await page.keyboard.press('Escape');
    } finally {
      page.off('request', refuse);
      await page.setRequestInterception(false);
    }
  });

  await step('assign to a named agent: refused for an agent not ready, then offered to carl', async () => {
    await openItem(assigned);
    await act('assign');
    await page.select('#assign-agent', 'bob');
    await page.click('dialog[open] [data-confirm]');
    const shown = await refusedWith();
    check(shown.includes('bob'), 'bob is not ready: said in the dialog', shown);
    check((await item(assigned)).state === 'queued', 'nothing changed');
    await page.select('#assign-agent', 'carl');
    await confirm();
    await stateShown('offered');
    const it = await item(assigned);
    check(it.state === 'offered' && it.agent === 'carl', 'offered to carl, outside the targets', JSON.stringify([it.state, it.agent]));
    const last = (await historyOf(assigned)).at(-1);
    check(last.reason === 'assign' && last.actor === 'sue', 'the history has the assign', JSON.stringify(last));
  });

  await step('pull back an offer', async () => {
    await act('requeue');
    await confirm();
    await stateShown('queued');
    const it = await item(assigned);
    check(it.state === 'queued' && !it.agent, 'back in the queue', JSON.stringify([it.state, it.agent]));
    check((await historyOf(assigned)).some((r) => r.reason === 'requeue' && r.actor === 'sue'), 'the history has the requeue');
  });

  await step('priority override: a fixed value until handled, then cleared', async () => {
    await openItem(fixed);
    await act('priority');
    await page.select('#priority-kind', 'set');
    await page.type('#priority-value', '900');
    await page.select('#priority-until', 'handled');
    await confirm();
    await page.waitForSelector('[data-action=clear-priority]');
    let it = await item(fixed);
    check(it.priority === 900 && it.priority_override?.kind === 'fixed' && it.priority_override?.until_handled === true,
      'fixed at 900 until handled', JSON.stringify(it.priority_override));
    check((await text('[data-field=priority] dd .num')) === '900', 'the page shows 900', await text('[data-field=priority] dd'));
    await act('clear-priority');
    await confirm();
    await page.waitForFunction(() => !document.querySelector('[data-action=clear-priority]'));
    it = await item(fixed);
    check(!it.priority_override && it.priority === 100, "cleared: the rules' 100", JSON.stringify([it.priority, it.priority_override]));
  });

  await step("priority override: a boost until a date and time (in the rules' zone, named)", async () => {
    await openItem(boosted);
    await act('priority');
    await page.select('#priority-kind', 'boost');
    await page.type('#priority-value', '25');
    await page.select('#priority-until', 'instant');
    const label = await page.$eval('#priority-at', (e) => e.closest('label').textContent);
    check(label.includes("Europe/Berlin, the rules' zone") && !label.includes('New_York'), "the end's field names the rules' zone", label);
    // Tomorrow at 10:30 on Berlin's clock (the browser is in New York's zone): the instant whose
    // Berlin reading that is, found among the two offsets Berlin has, independently of the page.
    const [local, want] = await page.evaluate(() => {
      const berlin = (t) => new Intl.DateTimeFormat('en-CA', {timeZone: 'Europe/Berlin', hourCycle: 'h23', year: 'numeric',
        month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit'}).format(new Date(t)).replace(', ', 'T');
      const day = berlin(Date.now() + 86400000).slice(0, 10);
      const local = `${day}T10:30`;
      const at = [1, 2].map((h) => Date.parse(`${local}:00Z`) - h * 3600000).filter((t) => berlin(t) === local);
      return [local, at.length === 1 ? new Date(at[0]).toISOString() : null];
    });
    check(want !== null, `one instant reads ${local} in Berlin`);
    await page.$eval('#priority-at', (e, v) => { e.value = v; e.dispatchEvent(new Event('input')); }, local);
    await confirm();
    await page.waitForSelector('[data-action=clear-priority]');
    const o = (await item(boosted)).priority_override;
    check(o?.kind === 'boost' && o?.value === 25 && new Date(o.until).getTime() === new Date(want).getTime(),
      `a boost of 25 until ${local} in Berlin`, JSON.stringify(o) + ' ' + want);
  });

  await step('a parked item: moved to another workbin, then returned to the queue', async () => {
    await openItem(parked1);
    await act('transfer');
    await page.select('#transfer-agent', 'carl');
    await confirm();
    await page.waitForFunction((id) => document.querySelector('[data-field=agent] dd')?.textContent.trim() === 'carl', {}, parked1);
    let it = await item(parked1);
    check(it.state === 'parked' && it.agent === 'carl', "parked in carl's workbin", JSON.stringify([it.state, it.agent]));
    await act('return');
    await confirm();
    await stateShown('queued');
    it = await item(parked1);
    check(it.state === 'queued', 'returned to the queue', it.state);
    check((await historyOf(parked1)).some((r) => r.reason === 'return' || r.kind === 'return' || (r.from === 'parked' && r.to === 'queued')),
      'the history has the return');
  });

  await step('cancel an item', async () => {
    await openItem(canceled);
    await act('cancel');
    check((await text('dialog[open] .dialog-text')).includes('cannot be undone'), 'the dialog warns');
    await confirm();
    await page.waitForFunction(() => document.querySelector('.notice') || document.querySelector('#item-state')?.textContent.includes('cancel'));
    const it = await item(canceled);
    check(it.state === 'canceled', 'canceled through the API', JSON.stringify(it));
  });

  await step("an agent's page: today's figures equal the resource performance report's row", async () => {
    await open('/agents/ada', '#agent-today-facts');
    // The day in the rules' zone (Europe/Berlin), the one the header names, not the viewer's
    // (America/New_York): the page's two zones agree.
    const zone = 'Europe/Berlin';
    check((await text('#ruleset')).includes(`rules' zone ${zone}`), "the header names the rules' zone", await text('#ruleset'));
    const [day, next] = await page.evaluate((zone) => {
      const day = new Intl.DateTimeFormat('en-CA', {timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit'}).format(new Date());
      const d = new Date(day + 'T00:00:00Z');
      d.setUTCDate(d.getUTCDate() + 1);
      return [day, d.toISOString().slice(0, 10)];
    }, zone);
    const title = await text('#agent-today h2');
    check(title === `Today (${day}, ${zone}, the rules' zone)` && !title.includes('America/New_York'),
      "titled with the day in the rules' zone, as the header", title);
    const q = new URLSearchParams({from: day, to: next, tz: zone, interval: '1d'});
    const rows = (await api('/v1/reports/resource-performance?' + q, sup)).json.rows.filter((r) => r.agent === 'ada');
    check(rows.length === 1 && rows[0].offered > 0, 'the API has one row for ada, with offers', JSON.stringify(rows));
    for (const key of ['offered', 'accepted', 'rejected', 'rona', 'completed']) {
      const shown = await text(`#agent-today-facts [data-field=${key}] dd`);
      check(shown === String(rows[0][key]), `${key} as the report says`, `${shown} vs ${rows[0][key]}`);
    }
    await shot('agent_today');
  });

  await step("an agent's page: return the workbin, not ready with a reason, log out with a reason", async () => {
    await open('/agents/ada', '#agent-actions');
    await shot('agent_actions');
    await act('return-workbin');
    check((await text('dialog[open] .dialog-text')).includes('(1 now)'), 'the dialog counts the parked items');
    await confirm();
    await page.waitForFunction(() => !document.querySelector('[data-action=return-workbin]'));
    const wb = (await api('/v1/agents/ada/workbin', sup)).json;
    check(wb.parked.length === 0 && (await item(parked2)).state === 'queued', "ada's workbin returned", JSON.stringify(wb.parked));

    await open('/agents/carl', '#agent-actions');
    await act('not-ready');
    await page.type('#state-reason', 'training');
    await confirm();
    await page.waitForFunction(() => document.querySelector('#agent-state')?.textContent.trim() === 'not ready');
    let a = await agentOf('carl');
    check(a.state === 'not_ready' && a.reason === 'training', 'carl not ready: training', JSON.stringify([a.state, a.reason]));

    await open('/agents/bob', '#agent-actions');
    await act('log-out');
    await page.type('#state-reason', 'end of shift');
    await confirm();
    await page.waitForFunction(() => document.querySelector('#agent-state')?.textContent.trim() === 'logged out');
    a = await agentOf('bob');
    check(a.state === 'logged_out' && a.reason === 'end of shift', 'bob logged out: end of shift', JSON.stringify([a.state, a.reason]));
  });

  await step('bulk: a count that changed is refused; then preview and apply', async () => {
    await open('/queue/items?process=Sales.Orders&state=queued', '#bulk-actions');
    await page.click('#bulk-actions summary');
    await page.select('#bulk-op', 'hold');
    await page.click('[data-action=bulk-preview]');
    await page.waitForSelector('[data-action=bulk-apply]');
    const n = (await queued()).length;
    check((await text('#bulk-count')).startsWith(`${n} items match now`), 'the preview counts the queued items', await text('#bulk-count'));
    await shot('bulk_preview');
    const late = await api('/v1/items', env.IWD_SOURCE, {method: 'POST', body: JSON.stringify({id: 'S-late', kind: 'Sale'})});
    check(late.status === 201, 'another sale captured meanwhile', `${late.status}`);
    await page.click('[data-action=bulk-apply]');
    await page.waitForSelector('dialog[open] [data-confirm]');
    await page.click('dialog[open] [data-confirm]');
    const shown = await refusedWith();
    check(shown.includes('preview again'), 'the changed count refused in words', shown);
    check((await queued()).length === n + 1, 'nothing held');
    await page.keyboard.press('Escape');
    await page.click('[data-action=bulk-preview]');
    await page.waitForFunction((m) => document.querySelector('#bulk-count')?.textContent.startsWith(`${m} items`), {}, n + 1);
    await page.click('[data-action=bulk-apply]');
    await page.waitForSelector('dialog[open] [data-confirm]');
    await confirm();
    await page.waitForSelector('#bulk-done');
    check((await text('#bulk-done')).includes(`Applied to ${n + 1} items`), 'applied', await text('#bulk-done'));
    const heldNow = (await api('/v1/queue?process=Sales.Orders&state=held&limit=1000', sup)).json.items.length;
    check((await queued()).length === 0 && heldNow >= n + 1, 'every queued sale held', `${heldNow}`);
  });

  // Another tab (a session of its own, in New York's zone too) signed in with `token`, once `ready` shows.
  const another = async (token, ready) => {
    const tab = await browser.newPage();
    await tab.setViewport({width: 1280, height: 800});
    await tab.emulateTimezone('America/New_York');
    await tab.goto(env.IWD_URL + '/ui/', {waitUntil: 'networkidle0'});
    await tab.waitForSelector('#token');
    await tab.type('#token', token);
    await tab.keyboard.press('Enter');
    await tab.waitForSelector(ready);
    return tab;
  };

  // A late answer of GET /v1/me (held by request interception) for a session signed out since:
  // the session signed in now keeps its own name, role and page. Once for the refresh an agent's
  // page change asks, once for the first one a sign-in asks.
  await step('a late GET /v1/me of a session signed out is not taken for the next one', async () => {
    const tab = await another(env.IWD_AGENT, '#agent-facts');
    const tabErrors = [];
    tab.on('pageerror', (e) => tabErrors.push(e.message));
    let skip = 0, held = null;
    const arm = (n) => { skip = n; held = null; };
    arm(-1);
    await tab.setRequestInterception(true);
    tab.on('request', (r) => {
      if (!held && skip >= 0 && r.url().endsWith('/v1/me') && r.headers().authorization === `Bearer ${env.IWD_AGENT}`) {
        if (skip-- === 0) { held = r; return; }
      }
      r.continue();
    });
    const heldNow = async () => {
      for (let k = 0; !held && k < 200; ++k) await new Promise((r) => setTimeout(r, 50));
      if (!held) throw new Error('no GET /v1/me of ada held');
    };
    // On the sign-in form "Signed out." shows: the token typed, for the queue's page.
    const signInAs = async (token) => {
      await tab.waitForFunction(() => document.querySelector('#signin-message')?.textContent === 'Signed out.');
      await tab.evaluate(() => history.replaceState(null, '', '#/queue'));
      await tab.type('#token', token);
      await tab.keyboard.press('Enter');
    };
    // Release the held answer, let the page take it, and say what the page shows then.
    const released = async () => {
      const answered = tab.waitForResponse((res) => res.request() === held);
      await held.continue();
      await answered;
      await tab.evaluate(() => new Promise((r) => setTimeout(r, 200)));
      return {who: await tab.$eval('#whoami', (e) => e.textContent), hash: await tab.evaluate(() => location.hash),
        ruleset: await tab.$eval('#ruleset', (e) => e.textContent)};
    };
    const rules = (await api('/v1/admin/rules', sup)).json;

    arm(0);  // ada's page asked again: GET /v1/me refreshed on the way, held
    await tab.evaluate(() => { location.hash = '#/agents/ada?again'; });
    await heldNow();
    await tab.click('#sign-out');
    await signInAs(sup);
    await tab.waitForSelector('#queue-body');
    let shown = await released();
    check(shown.who === 'sue · supervisor' && shown.ruleset.includes(rules.ruleset) && shown.hash === '#/queue',
      "the refresh of ada's signed-out session not taken for sue's", JSON.stringify(shown));
    await tab.evaluate(() => { location.hash = '#/agents'; });
    await tab.waitForFunction(() => document.querySelector('#agents-table') || location.hash !== '#/agents');
    check(await tab.evaluate(() => location.hash) === '#/agents', 'sue still sees the agents page');

    await tab.click('#sign-out');
    arm(1);  // ada signs in again: the sign-in's GET /v1/me passes, the first page's is held
    await signInAs(env.IWD_AGENT);
    await heldNow();
    await tab.click('#sign-out');
    await signInAs(sup);
    await tab.waitForSelector('#queue-body');
    shown = await released();
    check(shown.who === 'sue · supervisor' && shown.hash === '#/queue',
      "the first answer of ada's signed-out session not taken for sue's", JSON.stringify(shown));
    check(tabErrors.length === 0, 'no script error in the tab', tabErrors.join(' | '));
    await tab.close();
  });

  await step('a viewer: no buttons anywhere, and the API refuses the action', async () => {
    const viewer = await another(env.IWD_VIEWER, '#queue-table');
    check((await viewer.$eval('#whoami', (e) => e.textContent)) === 'wallboard · viewer, read only', 'the header says read only');
    await viewer.goto(env.IWD_URL + '/ui/#/items/' + held);
    await viewer.waitForSelector('#item-facts');
    check(!(await viewer.$('#item-actions')) && !(await viewer.$('[data-action]')), 'no action on the item page');
    await viewer.screenshot({path: `${env.IWD_SHOTS}/viewer_item.png`});
    await viewer.goto(env.IWD_URL + '/ui/#/agents/ada');
    await viewer.waitForSelector('#agent-facts');
    check(!(await viewer.$('[data-action]')), 'none on the agent page');
    await viewer.goto(env.IWD_URL + '/ui/#/queue/items?process=Sales.Orders&state=open');
    await viewer.waitForSelector('#items-table');
    check(!(await viewer.$('#bulk-actions')), 'no bulk actions');
    const r = await api(`/v1/items/${held}/cancel`, env.IWD_VIEWER, {method: 'POST'});
    check(r.status === 403 && r.json.error.message.includes('reads only'), 'the API refuses the viewer', r.text);
    check((await item(held)).state !== 'canceled', 'nothing changed');
    await viewer.close();
  });

  await step("an agent token: its own page and its items' pages only, no buttons", async () => {
    // ada holds an item (offered or parked); if not, a held sale resumed is offered to her.
    let wb = (await api('/v1/agents/ada/workbin', sup)).json;
    if (!wb.holding.length && !wb.parked.length) {
      await api('/v1/agents/ada', sup, {method: 'PUT', body: JSON.stringify({state: 'ready'})});
      const sale = (await api('/v1/queue?process=Sales.Orders&state=held&limit=1', sup)).json.items[0].id;
      await api(`/v1/items/${sale}/resume`, sup, {method: 'POST'});
      for (let k = 0; k < 50 && !wb.holding.length; ++k) {
        await new Promise((r) => setTimeout(r, 100));
        wb = (await api('/v1/agents/ada/workbin', sup)).json;
      }
    }
    const mine = [...wb.holding, ...wb.parked][0];
    check(Boolean(mine), 'ada holds an item', JSON.stringify(wb));
    const agent = await another(env.IWD_AGENT, '#agent-facts');
    const tabErrors = [];
    agent.on('pageerror', (e) => tabErrors.push(e.message));
    check(agent.url().endsWith('#/agents/ada'), 'on her own page', agent.url());
    check(await agent.$$eval('[data-nav]', (a) => a.every((x) => x.hidden)), 'no other page in the navigation');
    check(!(await agent.$('[data-action]')), 'no action button');
    // Her times on the rules' zone's clock (Europe/Berlin, read from GET /v1/me: an agent reads
    // no GET /v1/admin/rules), named, not her browser's (America/New_York).
    const tabText = (sel) => agent.$eval(sel, (e) => e.textContent.trim().replace(/\s+/g, ' '));
    const berlin = (iso) => new Intl.DateTimeFormat('en-US', {dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Berlin'})
      .format(new Date(iso)).replace(/\s+/g, ' ');
    const noNewYork = async (where) => {
      const all = await agent.evaluate(() => document.body.innerText);
      check(!all.includes('New_York'), `${where}: no time in the browser's zone`, all.slice(Math.max(0, all.indexOf('New_York') - 80), all.indexOf('New_York') + 20));
    };
    check((await tabText('#ruleset')) === "rules' zone Europe/Berlin", "her header names the rules' zone", await tabText('#ruleset'));
    await agent.waitForFunction(() => document.querySelector('#live')?.textContent.startsWith('Live'));
    check((await tabText('#live')).endsWith(' Europe/Berlin'), "her clock on the rules' zone's", await tabText('#live'));
    const table = wb.holding.some((i) => i.id === mine.id) ? '#agent-holding' : '#agent-parked';
    check((await tabText(`${table} thead`)).includes('Due (Europe/Berlin)'), "her items' Due column names the rules' zone", await tabText(`${table} thead`));
    const dueCell = await tabText(`${table} tr[data-item="${mine.id}"] td[data-field=due]`);
    check(mine.due ? dueCell.startsWith(berlin(mine.due)) : dueCell === '–', "her item's due on Berlin's clock", `${dueCell}, API ${mine.due}`);
    await noNewYork('her page');
    await agent.screenshot({path: `${env.IWD_SHOTS}/agent_own.png`});
    await agent.click(`a[href="#/items/${encodeURIComponent(mine.id)}"]`);
    await agent.waitForSelector('#item-facts');
    check((await agent.$eval('#item-state', (e) => e.textContent.trim())) === (await item(mine.id)).state.replace(/_/g, ' '),
      'her item links to its page, with its state');
    check(!(await agent.$('#item-timeline')) && !(await agent.$('[data-action]')), 'no timeline and no action there');
    if (mine.due) check((await tabText('#item-due')) === `${berlin(mine.due)} Europe/Berlin`, "its due on Berlin's clock, named", await tabText('#item-due'));
    await noNewYork('her item');
    check(await agent.$eval('.crumbs a', (a) => a.getAttribute('href')) === '#/agents/ada', 'the way back is her page');
    await agent.screenshot({path: `${env.IWD_SHOTS}/agent_item.png`});
    const other = (await api('/v1/queue?process=Sales.Orders&state=open&limit=1000', sup)).json.items.find((i) => i.agent !== 'ada').id;
    await agent.goto(env.IWD_URL + '/ui/#/items/' + other);
    await agent.waitForFunction((id) => document.querySelector('main')?.textContent.includes(`You may not see item ${id}`), {}, other);
    check(!(await agent.$('#item-facts')), 'an item not hers is not shown');
    await agent.goto(env.IWD_URL + '/ui/#/agents/bob');
    await agent.waitForFunction(() => location.hash === '#/agents/ada');
    await agent.goto(env.IWD_URL + '/ui/#/queue');
    await agent.waitForFunction(() => location.hash === '#/agents/ada' && document.querySelector('#agent-facts'));
    check(tabErrors.length === 0, 'no script error in her tab', tabErrors.join(' | '));
    await agent.close();
  });

  check(errors.length === 0, 'no script error or policy violation', errors.join(' | '));
  exit = finish();
} finally {
  await browser.close();
}
process.exit(exit);
