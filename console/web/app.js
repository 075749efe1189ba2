// The console's shell: sign-in, the header (the ruleset in force, navigation, the live
// state), and the hash router (#/queue, #/items/ID, ...: the fragment never reaches the
// server, and holds no token). Each page is a module with render(view, params, app).
import {api, ApiError, session, workspace} from './api.js';
import {h, notice, replace} from './dom.js';
import {clock, showTimesIn, zoneNote} from './format.js';
import {poll} from './live.js';
import * as signIn from './pages/signin.js';
import * as queue from './pages/queue.js';
import * as queueItems from './pages/queue_items.js';
import * as item from './pages/item.js';
import * as agents from './pages/agents.js';
import * as agent from './pages/agent.js';
import * as rules from './pages/rules.js';
import * as reports from './pages/reports.js';

const routes = [
  [/^\/queue$/, queue],
  [/^\/queue\/items$/, queueItems],
  [/^\/items\/([^/]+)$/, item],
  [/^\/agents$/, agents],
  [/^\/agents\/([^/]+)$/, agent],
  [/^\/rules$/, rules],
  [/^\/reports$/, reports],
];

const main = document.getElementById('main');
const top = document.getElementById('top');
let current = null;  // the page's cleanup (its polling)
let rulesInForce = null;
let me = null;  // GET /v1/me: the token's name, role, agent, and what it may do
// Counts sign-ins and sign-outs: an answer to a request of an earlier session (GET /v1/me or
// the ruleset, asked with the token before it was signed out) arrives late and is dropped, not
// taken for the session signed in now.
let signIns = 0;

const app = {
  get rules() { return rulesInForce; },
  get me() { return me; },
  // The supervisor's actions are shown only to a token that may take them (not a viewer's or
  // an agent's); the API refuses them to the others anyway.
  get canAct() { return Boolean(me && me.can_act); },
  // The item attributes the rules type `time` (GET /v1/admin/rules', or for an agent's token
  // GET /v1/me's `time_attributes`): only these are shown as instants.
  get timeAttributes() { return ((me && me.role === 'agent' ? me : rulesInForce) || {}).time_attributes || []; },
  reload() { route(); },
  // The page's polling (live.js): stopped when the page changes.
  live(fn) {
    const stop = poll(fn, showLive);
    const previous = current;
    current = () => { stop(); if (previous) previous(); };
  },
  // A failed request: a 401 signs out with the reason; anything else becomes a notice.
  failed(err, what) {
    if (err instanceof ApiError && err.status === 401) {
      signOut('Your token was not accepted any more. Sign in again.');
      return null;
    }
    if (err instanceof ApiError && err.status === 403)
      return notice('error', `You may not see ${what}.`, 'This token\'s role does not allow it: the console needs a supervisor or admin token.');
    if (err instanceof ApiError && err.status === 0)
      return notice('error', `Could not load ${what}.`, 'The service did not answer. It may be restarting; try again in a moment.');
    return notice('error', `Could not load ${what}.`, err.message || String(err));
  },
  go(hash) { location.hash = hash; },
  // After a hot reload: the header names the new ruleset.
  refreshRules() { return loadRules().catch(() => {}); },
};

function showLive(state) {
  const el = document.getElementById('live');
  el.dataset.state = state;
  el.textContent = state === 'live' ? `Live · ${clock()}` : state === 'paused' ? 'Paused while hidden' : '';
}
app.updated = () => showLive('live');

function signOut(message) {
  ++signIns;
  session.clear();
  rulesInForce = null;
  showTimesIn(null);
  me = null;
  route(message);
}

// The header's ruleset: the workspace (in a workspace's console), the name and version in
// force, and its zone, the one every page shows its times in (format.js).
async function loadRules() {
  const asked = signIns;
  const rules = await api('/v1/admin/rules');
  if (asked !== signIns) return;  // (signed out meanwhile)
  rulesInForce = rules;
  showTimesIn(rulesInForce.timezone);
  // A workspace's console says which workspace it is, first: its tokens, items and rules are its own.
  replace(document.getElementById('ruleset'),
    workspace && h('span', {id: 'workspace-name', title: 'The workspace this console shows'}, `workspace ${workspace} · `),
    h('span', {class: 'ruleset-name', title: 'The ruleset in force'}, rulesInForce.ruleset),
    h('span', {class: 'muted'}, ` · ${zoneNote()}`));
}

// An agent's header: the rules' zone its pages show their times in (format.js), no ruleset.
function showRulesZone(zone) {
  showTimesIn(zone);
  replace(document.getElementById('ruleset'), zone ? h('span', {class: 'muted'}, zoneNote()) : null);
}

function parse() {
  const raw = location.hash.replace(/^#/, '') || '/queue';
  const [path, q = ''] = raw.split('?');
  return {path, params: new URLSearchParams(q)};
}

async function route(message) {
  if (current) current();
  current = null;
  showLive('off');
  if (!session.token()) {
    top.hidden = true;
    return signIn.render(main, {message, onToken: signedIn});
  }
  top.hidden = false;
  const asked = signIns;
  try {
    const first = !me;
    if (first) {
      const who = await api('/v1/me');
      if (asked !== signIns) return;  // signed out meanwhile: the route of the session now shows its page
      showWho(me = who);
    }
    // First sign-in: wait for the ruleset; later, refreshed on the way (a hot reload changes the
    // header and the zone). An agent token reads no ruleset (GET /v1/admin/rules is a
    // supervisor's): the rules' zone comes with who it is (GET /v1/me's `timezone`, the same zone).
    if (me.role !== 'agent') {
      if (!rulesInForce) await loadRules();
      else loadRules().catch(() => {});
    } else {
      showRulesZone(me.timezone);
      // (Only for this session: not once signed out, nor for another token signed in since.)
      if (!first) api('/v1/me').then((who) => { if (asked === signIns) { me = who; showRulesZone(who.timezone); } }).catch(() => {});
    }
    if (asked !== signIns) return;
  } catch (err) {
    if (asked !== signIns) return;  // a refusal of the session signed out: not this one's
    const shown = app.failed(err, me ? 'the ruleset in force' : 'who you are');
    if (shown) replace(main, shown);
    return;
  }
  const {path, params} = parse();
  // An agent token sees its own items only: its agent's page and its items' pages (the API
  // refuses it any other item), whatever the address says.
  const own = me.role === 'agent' ? '/agents/' + encodeURIComponent(me.agent) : null;
  if (own && path !== own && !path.startsWith('/items/')) {
    history.replaceState(null, '', '#' + own);
    return route();
  }
  for (const a of document.querySelectorAll('[data-nav]'))
    a.toggleAttribute('aria-current', path.startsWith('/' + a.dataset.nav) || (a.dataset.nav === 'queue' && path.startsWith('/items')));
  for (const [pattern, page] of routes) {
    const m = path.match(pattern);
    if (!m) continue;
    replace(main, h('p', {class: 'muted'}, 'Loading…'));
    return page.render(main, {params, match: m.slice(1).map(decodeURIComponent)}, app);
  }
  replace(main, notice('empty', 'No such page.', 'Use the navigation above.'));
}

// The header's who-am-I: the token's name and role (never the token), and the pages its role
// reads (an agent token: its own page only).
function showWho(who) {
  const role = who.role === 'viewer' ? 'viewer, read only' : who.role === 'agent' ? `agent ${who.agent}` : who.role;
  replace(document.getElementById('whoami'), who.name ? `${who.name} · ${role}` : role);
  for (const a of document.querySelectorAll('[data-nav]')) a.hidden = who.role === 'agent';
}

// Sign-in: the token is tried on the API (who it is) before it is kept. A source token reads
// none of the console's pages.
async function signedIn(token) {
  let who;
  try {
    who = await api('/v1/me', {token});
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return 'That token was not accepted. Check it and try again.';
    return err.message || String(err);
  }
  if (!who.can_read && who.role !== 'agent')
    return 'That token\'s role cannot use the console: it needs a supervisor or admin token (a viewer\'s to look only, an agent\'s for its own items).';
  ++signIns;
  session.set(token);
  me = null;  // read again by route(), which shows it
  if (!location.hash || location.hash === '#') history.replaceState(null, '', '#/queue');
  route();
  return null;
}

document.getElementById('sign-out').addEventListener('click', () => signOut('Signed out.'));
// After a navigation the keyboard continues in the new page, not in the old page's place.
window.addEventListener('hashchange', () => {
  route();
  if (session.token()) main.focus({preventScroll: true});  // (the sign-in focuses its own field)
});
route();
