// The console's rules page (pages_test.sh started the service with tests/cli/report/day.iwd):
// the ruleset in force against GET /v1/admin/rules; an upload with an error shows it at its
// line with a caret under its column and nothing changes (the same key through the API); a file
// that is not UTF-8 is located too; a supervisor may not upload; a good upload is checked (still
// nothing changed), then loaded: the API and the page show the new version. 1280x800 shots.
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {api, bound, check, env, finish, launch, signedIn, step} from './lib.mjs';

bound(200);
const admin = env.IWD_ADMIN;
const rulesText = readFileSync(env.IWD_RULES, 'utf8');
const inForce = async () => (await api('/v1/admin/rules', admin)).json;
const browser = await launch();
let exit = 1;
try {
  const {page, errors, shot, text} = await signedIn(browser, admin);
  const first = await inForce();

  // Text into the upload form as if pasted (one input event), then "Check".
  const paste = async (t) => {
    await page.$eval('#rules-text', (e, v) => { e.value = v; e.dispatchEvent(new Event('input')); }, t);
    await page.click('#rules-check-button');
  };
  // `bytes` written to a file NAME, chosen with the file picker (the text shows `marker`), then "Check".
  const choose = async (name, bytes, marker) => {
    const path = join(env.IWD_TMP, name);
    writeFileSync(path, bytes);
    await page.$eval('#rules-text', (e) => { e.value = ''; });
    await (await page.$('#rules-file')).uploadFile(path);
    await page.waitForFunction((m) => document.querySelector('#rules-text').value.includes(m), {}, marker);
    await page.click('#rules-check-button');
  };
  // The diagnostic shown for `code`: its text, as `iwd check` lays it out.
  const diagnostic = (code) => page.$eval(`.diagnostic[data-code="${code}"] pre`, (e) => e.textContent);

  await step('the ruleset in force equals GET /v1/admin/rules', async () => {
    await page.click('a[data-nav=rules]');
    await page.waitForSelector('#rules-facts');
    check((await text('[data-field=name] dd')) === first.name && first.name === 'reportday', 'its name', first.name);
    check((await text('[data-field=version] dd')) === '1.0', 'its version');
    check((await text('[data-field=key] dd')) === first.key, 'its key', first.key);
    const loaded = await text('[data-field=loaded_at] dd');
    const berlin = new Intl.DateTimeFormat('en-US', {dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Berlin'}).format(new Date(first.loaded_at));
    check(loaded.replace(/\s+/g, ' ') === `${berlin.replace(/\s+/g, ' ')} Europe/Berlin`, "loaded when, on the rules' zone's clock, named", loaded);
    check((await text('#rules-processes')).includes('Sales.Orders'), 'its processes');
    await shot('rules');
  });

  await step('an upload with an error: shown at its line, nothing changed', async () => {
    const bad = rulesText.replace('skill sales > 0', 'skill salez > 0');
    const lines = bad.split('\n');
    const line = lines.findIndex((l) => l.includes('salez')) + 1;
    const column = lines[line - 1].indexOf('salez') + 1;
    await paste(bad);
    await page.waitForSelector('#rules-refused');
    check((await text('#rules-refused .notice')).includes('nothing was changed'), 'the notice says nothing changed');
    const shown = await page.$$eval('.diagnostic', (ds) => ds.map((d) => ({code: d.dataset.code, line: d.dataset.line, text: d.textContent})));
    const at = shown.find((d) => d.line === String(line));
    check(at && /^E\d{4}$/.test(at.code), `an error at line ${line}`, JSON.stringify(shown.map((d) => [d.code, d.line])));
    if (at) {
      const [head, src, mark] = at.text.split('\n');
      check(head.startsWith(`upload.iwd:${line}:${column}: error[${at.code}]: `), 'its place, code and message', head);
      check(src === `${String(line).padStart(5)} | ${lines[line - 1]}`, 'the source line', src);
      check(mark.indexOf('^') - mark.indexOf('|') - 2 === column - 1 && mark.includes('^~~~~'), 'a caret under the column, to the end', mark);
    }
    check(JSON.stringify(await inForce()) === JSON.stringify(first), 'the rules in force are the same (version and key)');
    check(await page.$('#rules-load') === null, 'no load offered');
    await page.$eval('#rules-refused', (e) => e.scrollIntoView());
    await shot('rules_error');
  });

  await step('a file that is not UTF-8: the bad byte located', async () => {
    await choose('latin1.iwd', Buffer.concat([Buffer.from('ruleset latin version "1"\n// caf'), Buffer.from([0xe9]),
      Buffer.from('\ndefault process P { sla 1h }\n')]), 'caf');
    await page.waitForSelector('.diagnostic[data-code=E0113]');
    check((await diagnostic('E0113')).startsWith('upload.iwd:2:7: error[E0113]'), 'E0113 at line 2, column 7', await diagnostic('E0113'));
    check(JSON.stringify(await inForce()) === JSON.stringify(first), 'nothing changed');
  });

  await step('a supervisor may read the rules, not upload them', async () => {
    const sup = await signedIn(browser, env.IWD_SUPERVISOR);
    await sup.page.click('a[data-nav=rules]');
    await sup.page.waitForSelector('#rules-facts');
    await sup.page.$eval('#rules-text', (e, v) => { e.value = v; e.dispatchEvent(new Event('input')); }, rulesText);
    await sup.page.click('#rules-check-button');
    await sup.page.waitForFunction(() => document.querySelector('#rules-check .notice.error')?.textContent.includes('needs an admin token'));
    await sup.page.close();
  });

  await step('rules the open items do not fit: checked, the load refused with its problems, nothing changed', async () => {
    // The open claims carry `tier` as a number: a schema that reads it as text cannot take them.
    const misfit = rulesText.replace('version "1.0"', 'version "1.5"').replace('tier: int = 1', 'tier: string = "1"')
      .replace('when tier > 0', 'when tier != "0"');
    await paste(misfit);
    await page.waitForSelector('#rules-load');
    await page.click('#rules-load');
    await page.waitForSelector('#rules-problems li');
    check((await text('#rules-refused .notice')).includes('were not loaded'), 'the notice says the rules were not loaded', await text('#rules-refused .notice'));
    const problems = await page.$$eval('#rules-problems li', (li) => li.map((x) => x.textContent));
    check(problems.some((p) => p.includes('C-2')), 'the claims that do not fit are named', problems.join(' | '));
    check(JSON.stringify(await inForce()) === JSON.stringify(first), 'nothing changed: version 1.0 still');
    await page.$eval('#rules-refused', (e) => e.scrollIntoView());
    await shot('rules_refused');
  });

  await step('a good upload from a file: checked (nothing changed), then loaded', async () => {
    await choose('next.iwd', rulesText.replace('version "1.0"', 'version "2.0"'), 'version "2.0"');
    await page.waitForSelector('#rules-check-ok');
    check((await text('#rules-check-ok')).includes('reportday 2.0 has no errors'), 'the check names the new version', await text('#rules-check-ok'));
    const warnings = await page.$$eval('.diagnostic.warning', (ds) => ds.length);
    check(warnings > 0, 'its warnings shown', `${warnings}`);
    check(JSON.stringify(await inForce()) === JSON.stringify(first), 'checked, not loaded: version 1.0 still');
    await page.$eval('#rules-check-ok', (e) => e.scrollIntoView());
    await shot('rules_checked');
    await page.click('#rules-load');
    await page.waitForSelector('#rules-loaded');
    const now = await inForce();
    check(now.version === '2.0' && now.key !== first.key, 'the API says 2.0 with another key', `${now.version} ${now.key}`);
    await page.waitForFunction(() => document.querySelector('[data-field=version] dd')?.textContent === '2.0');
    check((await text('[data-field=key] dd')) === now.key, 'the page shows the new key');
    await page.waitForFunction(() => document.querySelector('#ruleset')?.textContent.includes('reportday 2.0'));
    check(now.loaded_at >= first.loaded_at, 'loaded later', `${first.loaded_at} -> ${now.loaded_at}`);
    await page.$eval('#rules-loaded', (e) => e.scrollIntoView());
    await shot('rules_loaded');
  });

  check(errors.length === 0, 'no script error or policy violation in the console', errors.join(' | '));
  exit = finish();
} finally {
  await browser.close();
}
process.exit(exit);
