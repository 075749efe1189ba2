// What the console's page tests share (reports_test.mjs, rules_test.mjs): Debian's chromium,
// headless, through puppeteer-core (no browser of its own), a tally of checks, steps bounded
// in time, the API called with a token, and a signed-in page at 1280x800 whose script errors
// and policy violations are collected.
import {createRequire} from 'node:module';
import {join, resolve} from 'node:path';

export const env = process.env;
const require = createRequire(resolve(env.IWD_NPM_DIR, 'package.json'));
const puppeteer = require('puppeteer-core');

const STEP_MS = 20000;
export function bound(seconds) {
  setTimeout(() => { console.log(`FAIL: the run took over ${seconds} s`); process.exit(1); }, seconds * 1000).unref();
}

let passed = 0, failed = 0;
export function check(ok, what, detail = '') {
  if (ok) ++passed;
  else { ++failed; console.log(`FAIL: ${what}${detail ? ': ' + detail : ''}`); }
}
export async function step(name, fn) {
  let timer;
  try {
    await Promise.race([fn(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`over ${STEP_MS} ms`)), STEP_MS); })]);
  } catch (e) {
    check(false, name, e.message.split('\n')[0]);
  } finally {
    clearTimeout(timer);
  }
}
export function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

// The API: the JSON body (or the text with `accept`), and the status. A body is JSON (the
// server answers 415 to a body of another type).
export async function api(path, token, {method = 'GET', body, accept} = {}) {
  const headers = {Authorization: `Bearer ${token}`};
  if (accept) headers.Accept = accept;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(env.IWD_URL + path, {method, body, headers, signal: AbortSignal.timeout(10000)});
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { json = null; }
  return {status: res.status, json, text};
}

// Chromium refuses to run as root with its sandbox, which needs user namespaces that a root
// container seldom grants: only then is it started without.
export async function launch() {
  const args = ['--headless=new', '--lang=en-US', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return puppeteer.launch({executablePath: '/usr/bin/chromium', headless: true, args, protocolTimeout: 30000, timeout: 30000});
}

// A page at 1280x800 in the viewer's zone America/New_York (the rules' is Europe/Berlin),
// signed in with `token`. `urls` collects every request's address, `errors` the script
// errors and policy violations (a refused API request is logged too: those are expected).
export async function signedIn(browser, token) {
  const page = await browser.newPage();
  page.setDefaultTimeout(10000);
  await page.setViewport({width: 1280, height: 800});
  await page.emulateTimezone('America/New_York');
  const urls = [], errors = [];
  page.on('request', (r) => urls.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
  await page.goto(env.IWD_URL + '/ui/', {waitUntil: 'networkidle0'});
  await page.waitForSelector('#token');
  await page.type('#token', token);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#queue-body');
  return {page, urls, errors, shot: (name) => page.screenshot({path: join(env.IWD_SHOTS, `${name}.png`)}),
    text: (sel) => page.$eval(sel, (e) => e.textContent.trim())};
}
