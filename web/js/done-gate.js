// Explaining a refused move to Done (409 STORY_STATUS_BLOCKED): which child
// stories are not Done, which acceptance tests do not pass, or that the story
// has no test at all. Each named story can be opened from the dialog.

import { h } from './el.js';
import { openDialog } from './dialogs.js';
import { statusClass } from './rules.js';
import * as store from './store.js';

export function doneGateReasons(details) {
  const reasons = [];
  const children = details?.incompleteChildren ?? [];
  const tests = details?.failingTests ?? [];
  if (children.length) {
    reasons.push(h('section', { class: 'gate-reason' },
      h('h3', {}, `${children.length} child ${children.length === 1 ? 'story is' : 'stories are'} not Done`),
      h('ul', { class: 'gate-list' }, children.map((c) => h('li', {},
        h('button', { type: 'button', class: 'ghost small link-like', dataset: { open: c.id } },
          `#${c.id} ${c.title}`),
        ' ', h('span', { class: `chip ${statusClass(c.status)}` }, c.status))))));
  }
  if (tests.length) {
    reasons.push(h('section', { class: 'gate-reason' },
      h('h3', {}, `${tests.length} acceptance ${tests.length === 1 ? 'test does' : 'tests do'} not pass`),
      h('ul', { class: 'gate-list' }, tests.map((t) => h('li', {},
        h('span', {}, `${t.title} (test #${t.id})`), ' ',
        h('span', { class: 'chip' }, t.status))))));
  }
  if (details?.missingTests) {
    reasons.push(h('section', { class: 'gate-reason' },
      h('h3', {}, 'No acceptance test'),
      h('p', { style: 'margin:0' }, 'A story needs at least one acceptance test, and all of them passing, to be Done.')));
  }
  return reasons;
}

export async function explainDoneGate(error, story) {
  const body = [
    h('p', { style: 'margin:0' }, error.message),
    ...doneGateReasons(error.details),
  ];
  let chosen = null;
  const answer = await openDialog({
    title: `#${story.id} “${story.title}” cannot be Done yet`,
    className: 'done-gate-dialog',
    body,
    actions: [{ id: 'ok', label: 'OK', primary: true }],
    onOpen: (dialog) => dialog.addEventListener('click', (event) => {
      const button = event.target.closest('[data-open]');
      if (!button) return;
      chosen = Number(button.dataset.open);
      dialog.querySelector('button[data-action="ok"]').click();
    }),
  });
  if (answer && chosen != null) store.select(chosen);
}
