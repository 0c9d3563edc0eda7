// Modal dialogs on the native <dialog> element: focus moves in and returns
// to where it was, Escape cancels, and every dialog has a heading that names
// it. `openDialog` resolves with the id of the action chosen (null on cancel).

import { h, uid } from './el.js';

export function openDialog({ title, body, actions, wide = false, initialFocus, onOpen, className }) {
  const returnFocus = document.activeElement;
  const headingId = uid('dlg');
  const dialog = h('dialog', {
    'aria-labelledby': headingId,
    class: [wide ? 'wide' : '', className ?? ''].join(' ').trim() || null,
  });
  const form = h('form', { method: 'dialog', class: 'dialog-frame' });
  const buttons = (actions ?? [{ id: 'ok', label: 'OK', primary: true }]).map((a) =>
    a.spacer
      ? h('span', { class: 'spacer' })
      : h('button', {
          type: a.submit ? 'submit' : 'button',
          value: a.id,
          class: [a.primary ? 'primary' : '', a.danger ? 'danger solid' : ''].join(' ').trim() || null,
          dataset: { action: a.id },
        }, a.label));
  form.append(
    h('div', { class: 'dialog-head' }, h('h2', { id: headingId }, title)),
    h('div', { class: 'dialog-body' }, body),
    h('div', { class: 'dialog-actions' }, buttons),
  );
  dialog.append(form);
  document.body.append(dialog);

  return new Promise((resolve) => {
    let settled = false;
    const finish = (value) => {
      if (settled) return;
      settled = true;
      dialog.close();
      dialog.remove();
      if (returnFocus?.isConnected) returnFocus.focus();
      resolve(value);
    };
    const handlers = Object.fromEntries((actions ?? []).filter((a) => a.id).map((a) => [a.id, a]));
    form.addEventListener('click', async (event) => {
      const button = event.target.closest('button[data-action]');
      if (!button || button.type === 'submit') return;
      await choose(button.dataset.action);
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const submitter = event.submitter?.dataset.action
        ?? (actions ?? []).find((a) => a.submit)?.id ?? 'ok';
      await choose(submitter);
    });
    async function choose(id) {
      const action = handlers[id];
      if (action?.run) {
        // An action may keep the dialog open (returns false) or give the value.
        const result = await action.run();
        if (result === false) return;
        finish(result === undefined ? id : result);
      } else {
        finish(id === 'cancel' ? null : id);
      }
    }
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(null);
    });
    dialog.showModal();
    onOpen?.(dialog);
    const target = initialFocus ? dialog.querySelector(initialFocus) : null;
    (target ?? dialog.querySelector('.dialog-body input, .dialog-body textarea, .dialog-body select')
      ?? dialog.querySelector('button.primary') ?? dialog.querySelector('button'))?.focus();
  });
}

/** A yes/no question; resolves true when confirmed. */
export async function confirmDialog({ title, message, confirmLabel = 'OK', danger = false, extra }) {
  const answer = await openDialog({
    title,
    body: [h('p', { style: 'margin:0' }, message), extra],
    actions: [
      { id: 'cancel', label: 'Cancel' },
      { id: 'confirm', label: confirmLabel, primary: !danger, danger },
    ],
    initialFocus: danger ? 'button[data-action="cancel"]' : 'button[data-action="confirm"]',
  });
  return answer === 'confirm';
}
