// A version conflict (409 VERSION_CONFLICT): someone else saved the story
// after it was opened. Show, field by field, what they changed and what the
// user changed, and let the user reload theirs or overwrite with theirs.

import { h } from './el.js';
import { openDialog } from './dialogs.js';

export const FIELD_LABELS = {
  title: 'Title',
  status: 'Status',
  storyPoint: 'Story points',
  assigneeEmail: 'Assignee',
  asA: 'As a',
  iWant: 'I want',
  soThat: 'So that',
  description: 'Description',
  components: 'Components',
  parentId: 'Parent',
};

const show = (value) => {
  if (Array.isArray(value)) return value.join(', ') || '—';
  if (value == null || value === '') return '—';
  return String(value);
};

const same = (a, b) => show(a) === show(b);

/**
 * `base` is the story as the user opened it, `current` as it now is on the
 * server, `mine` the fields the user changed. Resolves 'reload', 'overwrite'
 * or null (keep editing).
 */
export async function resolveConflict({ base, current, mine }) {
  const theirs = Object.keys(FIELD_LABELS).filter((f) => !same(base[f], current[f]));
  const fields = [...new Set([...Object.keys(mine), ...theirs])].filter((f) => f in FIELD_LABELS);
  const rows = fields.map((f) => h('tr', { class: theirs.includes(f) && f in mine ? 'both' : null },
    h('th', { scope: 'row' }, FIELD_LABELS[f]),
    h('td', {}, show(base[f])),
    h('td', { class: theirs.includes(f) ? 'changed' : null }, show(current[f])),
    h('td', { class: f in mine ? 'changed' : null }, f in mine ? show(mine[f]) : h('span', { class: 'muted' }, 'unchanged')),
  ));
  const body = [
    h('p', { style: 'margin:0' },
      `Story #${current.id} was saved by someone else while you were editing it `
      + `(you opened version ${base.version}; it is now at version ${current.version}). Nothing of yours has been saved yet.`),
    h('div', { class: 'table-wrap' }, h('table', { class: 'conflict-table' },
      h('caption', { class: 'visually-hidden' }, 'Changed fields'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Field'),
        h('th', { scope: 'col' }, 'When you opened it'),
        h('th', { scope: 'col' }, 'Now saved'),
        h('th', { scope: 'col' }, 'Your edit'))),
      h('tbody', {}, rows))),
    h('p', { class: 'hint', style: 'margin:0' },
      'Reload shows the saved story and drops your edits. Overwrite saves your edited fields over theirs; fields you did not touch keep their new values.'),
  ];
  return openDialog({
    title: 'This story changed while you were editing',
    className: 'conflict-dialog',
    wide: true,
    body,
    actions: [
      { id: 'cancel', label: 'Keep editing' },
      { spacer: true },
      { id: 'reload', label: 'Reload theirs' },
      { id: 'overwrite', label: 'Overwrite with mine', primary: true },
    ],
  });
}
