// The supervisor's actions' shared parts: a button, and the confirmation dialog every action
// goes through. The dialog says what will happen before anything is sent, takes the action's
// inputs, and shows the service's refusal in its own words (the API's message) without closing,
// so the supervisor can correct the input or cancel. A native <dialog> opened modally keeps the
// keyboard inside it (Escape cancels) and gives the focus back to the button afterwards.
import {h} from './dom.js';

// A button of the actions bar: `action` names it for tests and styles (data-action).
export function actionButton(label, action, onclick, {danger = false} = {}) {
  return h('button', {type: 'button', class: danger ? 'action danger' : 'action', dataset: {action}, onclick}, label);
}

// Opens the dialog: `title`, `text` (what will happen: a string or nodes), `fields` (inputs,
// labelled by the caller), `confirm` (the button's label), `run` (sends the action; its
// result, or an ApiError shown in the dialog). Resolves with run's result, or null when
// canceled.
export function confirmAction({title, text, fields = [], confirm, danger = false, run}) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const error = h('p', {class: 'dialog-error', role: 'alert'});
    const ok = h('button', {type: 'submit', class: danger ? 'danger' : 'primary', dataset: {confirm: ''}}, confirm);
    const cancel = h('button', {type: 'button', dataset: {cancel: ''}}, 'Cancel');
    const titleId = 'dialog-title-' + Math.random().toString(36).slice(2);
    const form = h('form', {method: 'dialog'},
      h('h2', {id: titleId}, title),
      h('div', {class: 'dialog-text'}, text),
      fields.length ? h('div', {class: 'dialog-fields'}, fields) : null,
      error,
      h('div', {class: 'dialog-buttons'}, cancel, ok));
    const dialog = h('dialog', {class: 'action-dialog', 'aria-labelledby': titleId}, form);
    let result = null;
    const close = () => {
      dialog.close();
      dialog.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(result);
    };
    cancel.addEventListener('click', close);
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); close(); });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      ok.disabled = true;
      error.textContent = '';
      try {
        result = await run();
        close();
      } catch (err) {
        error.textContent = refusal(err);
        ok.disabled = false;
        ok.focus();
      }
    });
    document.body.append(dialog);
    dialog.showModal();
    (form.querySelector('input, select') || ok).focus();
  });
}

// A refusal as people read it: the service's own message, with what to do for the usual codes.
export function refusal(err) {
  if (err && err.status === 0) return 'The service did not answer. Nothing was changed; try again in a moment.';
  if (err && err.status === 403) return `Refused: ${err.message}. Your token's role may not do this.`;
  if (err && err.status) return `Refused: ${err.message}`;
  return String(err && err.message ? err.message : err);
}

// A labelled input: label text, then the control.
export function field(label, control, hint) {
  return h('label', {class: 'dialog-field'}, h('span', {}, label), control, hint ? h('span', {class: 'muted'}, hint) : null);
}
