// Short messages in the corner, announced to screen readers (the container
// is a polite live region). Errors stay until dismissed.

import { h } from './el.js';

export function toast(message, { error = false, timeout = 4000 } = {}) {
  const box = document.getElementById('toasts');
  const close = h('button', { type: 'button', 'aria-label': 'Dismiss message' }, '×');
  const item = h('div', { class: `toast${error ? ' error' : ''}` }, h('span', {}, message), close);
  const remove = () => item.remove();
  close.addEventListener('click', remove);
  box.append(item);
  if (!error) setTimeout(remove, timeout);
  return item;
}

/** An API failure, said the way the API says it (with the request id of a fault). */
export function toastError(error, action) {
  const what = action ? `${action}: ` : '';
  const id = error?.requestId ? ` (request ${error.requestId})` : '';
  toast(`${what}${error?.message ?? error}${id}`, { error: true });
}
