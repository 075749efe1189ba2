// A compiler diagnostic as `iwd check` prints it, from the JSON of the rules routes and the
// text that was uploaded:
//
//   upload.iwd:3:1: error[E0301]: unknown declaration `bogus`
//       3 | bogus
//         | ^~~~~
//         = note: ...
//
// Lines are 1-based, columns count code points (as the API's do), the end column is exclusive.
import {h} from '../dom.js';

export function diagnosticBlock(d, source) {
  const lines = source.split(/\r\n|\n|\r/);
  const where = d.file ? `${d.file}:${d.line}:${d.column}: ` : '';
  const parts = [`${where}${d.severity}[${d.code}]: ${d.message}`];
  parts.push(...excerpt(lines, d, '^'));
  const margin = ' '.repeat(WIDTH + 1);
  for (const n of d.notes || []) parts.push(`${margin}= note: ${n}`);
  for (const f of d.fixits || []) parts.push(`${margin}= help: ${f.message || `replace with \`${f.replacement}\``}`);
  const labels = (d.labels || []).map((l) => [
    `${l.file ? `${l.file}:${l.line}:${l.column}: ` : ''}note: ${l.message}`,
    ...(l.file === d.file ? excerpt(lines, l, '-') : [])]);
  return h('div', {class: `diagnostic ${d.severity}`, dataset: {code: d.code, line: d.line ?? ''}},
    h('pre', {class: 'mono'}, parts.join('\n')),
    labels.map((l) => h('pre', {class: 'mono label'}, l.join('\n'))));
}

const WIDTH = 5;  // the gutter's line numbers, right-aligned
const gutter = (n) => String(n).padStart(WIDTH, ' ') + ' |';

// The place's source line and a mark under it: `mark` at its first column, `~` to its end (on
// the same line; to the end of the line when it ends on a later one).
function excerpt(lines, at, mark) {
  if (!at.line || at.line > lines.length) return [];
  const text = Array.from(lines[at.line - 1]);
  const from = Math.max(1, at.column || 1);
  const to = at.end_line === at.line && at.end_column > from ? at.end_column : Math.max(from + 1, text.length + 1);
  // Tabs stay tabs so the mark stands under the same characters.
  const pad = text.slice(0, from - 1).map((c) => (c === '\t' ? '\t' : ' ')).join('');
  const under = mark + (mark === '^' ? '~' : '-').repeat(Math.max(0, to - from - 1));
  return [`${gutter(at.line)} ${text.join('')}`, `${gutter('')} ${pad}${under}`];
}
