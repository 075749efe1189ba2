// Sign-in with an API token. The form never submits to the server (no token in a URL or a
// request body): the token is tried on the API, then kept in this tab's session.
import {h, replace} from '../dom.js';

export function render(view, {message, onToken}) {
  const input = h('input', {id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true,
    spellcheck: 'false', 'aria-describedby': 'signin-help signin-message'});
  const status = h('p', {id: 'signin-message', class: 'signin-message', role: 'alert'}, message || '');
  const button = h('button', {type: 'submit', class: 'primary'}, 'Sign in');
  const form = h('form', {class: 'signin', novalidate: true},
    h('h1', {}, 'Sign in to the iwd console'),
    h('label', {for: 'token'}, 'API token'),
    input,
    h('p', {id: 'signin-help', class: 'muted'},
      'A supervisor token from the service\'s configuration. It is kept in this tab only, until you sign out or close it.'),
    button, status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) {
      status.textContent = 'Enter a token.';
      input.focus();
      return;
    }
    button.disabled = true;
    status.textContent = 'Signing in…';
    const problem = await onToken(token);
    button.disabled = false;
    if (problem) {
      status.textContent = problem;
      input.select();
      input.focus();
    }
  });
  replace(view, form);
  input.focus();
}
