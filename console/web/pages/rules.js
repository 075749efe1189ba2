// Rules: the ruleset in force (GET /v1/admin/rules: name, version, key, when it was loaded,
// zone, processes), and a new one uploaded in two steps: "Check" (POST /v1/admin/rules/check,
// which changes nothing) shows the compiler's diagnostics at their lines as `iwd check` does;
// only rules without errors can then be loaded ("Load": PUT /v1/admin/rules, a hot reload).
import {api, ApiError, request} from '../api.js';
import {h, notice, replace} from '../dom.js';
import {count, instant, showable} from '../format.js';
import {diagnosticBlock} from './diagnostics.js';

export async function render(view, _route, app) {
  const facts = h('div', {id: 'rules-in-force'});
  const result = h('div', {id: 'rules-check', 'aria-live': 'polite'});
  replace(view, h('div', {class: 'page-head'}, h('h1', {}, 'Rules')), facts, uploadForm(result, facts, app), result);
  await showInForce(facts, app);
}

async function showInForce(facts, app) {
  let rules;
  try {
    rules = await api('/v1/admin/rules');
  } catch (err) {
    const shown = app.failed(err, 'the ruleset in force');
    if (shown) replace(facts, shown);
    return;
  }
  const zone = rules.timezone, shown = showable(zone);
  const row = (label, value, field) => h('div', {class: 'field', dataset: {field}}, h('dt', {}, label), h('dd', {}, value));
  replace(facts,
    h('h2', {}, 'In force'),
    h('dl', {class: 'facts', id: 'rules-facts'},
      row('Ruleset', rules.name || rules.ruleset, 'name'),
      row('Version', rules.version || h('span', {class: 'muted'}, 'none given'), 'version'),
      row('Key', h('span', {class: 'mono', title: 'The hash of the compiled bundle'}, rules.key), 'key'),
      row('Loaded', `${instant(rules.loaded_at, shown)} ${shown}`, 'loaded_at'),
      row('Time zone', zone, 'timezone'),
      row('Open items', h('span', {class: 'num'}, count(rules.open_items)), 'open_items'),
      row('Report by', rules.report_by.length ? rules.report_by.join(', ') : h('span', {class: 'muted'}, 'none'), 'report_by')),
    h('h2', {}, `Processes (${rules.processes.length})`),
    h('ul', {class: 'columns', id: 'rules-processes'}, rules.processes.map((p) =>
      h('li', {}, h('a', {href: '#/queue/items?process=' + encodeURIComponent(p) + '&state=open'}, p)))));
}

// The upload: a file or pasted text. A file's bytes are sent as they are (a file that is not
// UTF-8 is the checker's to locate), until the text is edited.
function uploadForm(result, facts, app) {
  let bytes = null;
  const text = h('textarea', {id: 'rules-text', rows: 12, spellcheck: 'false', class: 'mono',
    placeholder: 'ruleset name version "1"\n…', 'aria-describedby': 'rules-upload-help'});
  const file = h('input', {type: 'file', id: 'rules-file', accept: '.iwd,text/plain'});
  text.addEventListener('input', () => { bytes = null; file.value = ''; });  // edited: the text is what is sent
  file.addEventListener('change', async () => {
    const f = file.files[0];
    if (!f) return;
    bytes = await f.arrayBuffer();
    text.value = new TextDecoder().decode(bytes);  // bad bytes shown as �; sent as they are
  });
  const check = h('button', {type: 'submit', class: 'primary', id: 'rules-check-button'}, 'Check');
  const form = h('form', {class: 'upload', id: 'rules-upload'},
    h('h2', {}, 'Upload new rules'),
    h('p', {class: 'muted', id: 'rules-upload-help'},
      'Choose an .iwd file or paste its text, then check it. Checking changes nothing; the rules in force change only when you load checked rules.'),
    h('label', {class: 'inline', for: 'rules-file'}, 'File '), file,
    h('label', {class: 'block', for: 'rules-text'}, 'Rules text'), text,
    h('div', {class: 'actions'}, check));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!text.value.trim() && !bytes) {
      replace(result, notice('error', 'Nothing to check.', 'Choose an .iwd file or paste the rules first.'));
      return;
    }
    const body = bytes || text.value;
    const source = text.value;
    check.disabled = true;
    replace(result, h('p', {class: 'muted'}, 'Checking…'));
    try {
      const checked = await request('/v1/admin/rules/check', {method: 'POST', body});
      replace(result, compiled(checked, source, body, result, facts, app));
    } catch (err) {
      replace(result, refused(err, source, 'check', app));
    } finally {
      check.disabled = false;
    }
  });
  return form;
}

// Rules that compile: their name, their warnings, and the button that loads them.
function compiled(checked, source, body, result, facts, app) {
  const warnings = checked.diagnostics || [];
  const head = checked.in_force
    ? notice('empty', `${checked.ruleset} is already in force.`, 'These are the rules the service runs: loading them again changes nothing.')
    : notice('empty', `${checked.ruleset} has no errors.`,
      `${warnings.length ? `${warnings.length} warning(s) below. ` : ''}Nothing has changed yet: load it to put it in force (open items are re-evaluated under it).`);
  head.id = 'rules-check-ok';
  const load = h('button', {type: 'button', class: 'primary', id: 'rules-load'}, `Load ${checked.ruleset}`);
  load.addEventListener('click', async () => {
    load.disabled = true;
    try {
      const loaded = await request('/v1/admin/rules', {method: 'PUT', body});
      const dropped = loaded.dropped_attributes || [];
      const done = notice('empty', `${loaded.ruleset} is in force.`,
        `${count(loaded.items_reevaluated)} open item(s) re-evaluated, ${count(loaded.agents)} agent(s) carried over` +
        (dropped.length ? `; attributes dropped: ${dropped.join(', ')}.` : '.'));
      done.id = 'rules-loaded';
      replace(result, done);
      app.refreshRules();
      await showInForce(facts, app);
    } catch (err) {
      load.disabled = false;
      replace(result, refused(err, source, 'load', app));
    }
  });
  return h('div', {},
    head,
    warnings.length ? h('div', {class: 'diagnostics', id: 'rules-diagnostics'}, warnings.map((d) => diagnosticBlock(d, source))) : null,
    h('div', {class: 'actions'}, load));
}

// A refused check or load, for people: the diagnostics at their lines, the items that would
// not carry over, a role that may not upload.
function refused(err, source, what, app) {
  if (!(err instanceof ApiError)) return notice('error', `Could not ${what} the rules.`, String(err));
  const d = err.details || {};
  if (err.status === 403)
    return notice('error', 'Uploading rules needs an admin token.', 'This token may read the rules in force but not change them. Nothing was changed.');
  if (err.status === 413)
    return notice('error', 'The upload is too large.', 'The service takes bodies up to its max_body_bytes (1 MiB by default). Nothing was changed.');
  if (err.code === 'rule_errors' || err.code === 'rules_unusable') {
    const diagnostics = d.diagnostics || [];
    const errors = diagnostics.filter((x) => x.severity === 'error').length;
    const title = err.code === 'rule_errors'
      ? `The rules have ${errors || 'some'} error${errors === 1 ? '' : 's'}; nothing was changed.`
      : 'These rules cannot run here; nothing was changed.';
    return h('div', {id: 'rules-refused'},
      notice('error', title, err.code === 'rule_errors' ? 'Fix them and check again.' : err.message),
      h('div', {class: 'diagnostics', id: 'rules-diagnostics'}, diagnostics.map((x) => diagnosticBlock(x, source))));
  }
  if (err.code === 'reload_refused')
    return h('div', {id: 'rules-refused'},
      notice('error', 'The new rules were not loaded: some open items or agents do not fit them.', err.message),
      h('ul', {id: 'rules-problems'}, (d.problems || []).map((p) => h('li', {}, p))));
  const shown = app.failed(err, 'the rules');
  return shown || notice('error', `Could not ${what} the rules.`, err.message);
}
