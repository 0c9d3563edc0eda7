// Editing a story's fields. The form remembers the version it was opened at;
// Save sends only the changed fields with that version through the quality
// gate. A version conflict shows what changed on both sides (conflict.js); a
// refused Done is explained (done-gate.js). Ctrl+S saves.

import { h, field } from './el.js';
import * as api from './api.js';
import * as store from './store.js';
import { COMPONENTS, STORY_STATUSES } from './rules.js';
import { withQualityGate } from './quality.js';
import { resolveConflict, FIELD_LABELS } from './conflict.js';
import { explainDoneGate } from './done-gate.js';
import { toast } from './toast.js';

const TEXT_FIELDS = ['title', 'asA', 'iWant', 'soThat', 'description', 'assigneeEmail'];

function parentChoices(story) {
  const excluded = new Set();
  const walk = (s) => { excluded.add(s.id); (s.children ?? []).forEach(walk); };
  const node = store.state.byId.get(story.id);
  if (node) walk(node);
  const options = [h('option', { value: '' }, '— none (root story) —')];
  const add = (stories, depth) => stories.forEach((s) => {
    if (excluded.has(s.id)) return;
    options.push(h('option', { value: s.id }, `${'\u00a0\u00a0'.repeat(depth)}#${s.id} ${s.title}`));
    add(s.children ?? [], depth + 1);
  });
  add(store.state.roots, 0);
  return options;
}

export function createStoryForm(initial) {
  let base = initial;
  const c = {
    title: h('input', { name: 'title', required: true, maxlength: 200, autocomplete: 'off' }),
    status: h('select', { name: 'status' }, STORY_STATUSES.map((s) => h('option', { value: s }, s))),
    storyPoint: h('input', { name: 'storyPoint', type: 'number', min: 0, step: 1, inputmode: 'numeric' }),
    assigneeEmail: h('input', { name: 'assigneeEmail', type: 'email', autocomplete: 'off' }),
    asA: h('input', { name: 'asA', autocomplete: 'off' }),
    iWant: h('input', { name: 'iWant', autocomplete: 'off' }),
    soThat: h('input', { name: 'soThat', autocomplete: 'off' }),
    description: h('textarea', { name: 'description', rows: 5 }),
    parentId: h('select', { name: 'parentId' }),
  };
  const boxes = COMPONENTS.map((name) => h('input', { type: 'checkbox', name: 'components', value: name }));
  const saveButton = h('button', { type: 'submit', class: 'primary', id: 'save-story' }, 'Save');
  const revertButton = h('button', { type: 'button', onclick: () => fill(base) }, 'Revert');
  const dirtyNote = h('span', { class: 'dirty-note', 'aria-live': 'polite' });
  const error = h('div', { class: 'form-error', role: 'alert' });

  const form = h('form', { class: 'story-form', 'aria-label': 'Story fields', novalidate: true },
    field('Title', c.title),
    h('div', { class: 'field-row' }, field('Status', c.status), field('Story points', c.storyPoint), field('Assignee', c.assigneeEmail)),
    field('As a', c.asA),
    field('I want', c.iWant),
    field('So that', c.soThat),
    field('Description', c.description),
    h('fieldset', { class: 'components' }, h('legend', {}, 'Components'),
      boxes.map((box) => h('label', { class: 'check' }, box, box.value))),
    field('Parent', c.parentId),
    error,
    h('div', { class: 'form-actions' }, saveButton, revertButton, dirtyNote));

  function values() {
    const v = Object.fromEntries(TEXT_FIELDS.map((f) => [f, c[f].value.trim()]));
    v.status = c.status.value;
    v.storyPoint = c.storyPoint.value === '' ? null : Number(c.storyPoint.value);
    v.components = boxes.filter((b) => b.checked).map((b) => b.value);
    v.parentId = c.parentId.value === '' ? null : Number(c.parentId.value);
    return v;
  }

  function changes() {
    const now = values();
    const out = {};
    for (const [key, value] of Object.entries(now)) {
      const before = key === 'components' ? [...(base.components ?? [])].sort().join(',') : base[key];
      const after = key === 'components' ? [...value].sort().join(',') : value;
      if (String(before ?? '') !== String(after ?? '')) out[key] = value;
    }
    return out;
  }

  function refreshDirty() {
    const changed = Object.keys(changes());
    saveButton.disabled = changed.length === 0;
    revertButton.disabled = changed.length === 0;
    dirtyNote.textContent = changed.length
      ? `Unsaved: ${changed.map((f) => FIELD_LABELS[f] ?? f).join(', ')}` : '';
    form.classList.toggle('dirty', changed.length > 0);
  }

  function fill(story) {
    base = story;
    for (const f of TEXT_FIELDS) c[f].value = story[f] ?? '';
    c.status.value = story.status;
    c.storyPoint.value = story.storyPoint ?? '';
    boxes.forEach((b) => { b.checked = (story.components ?? []).includes(b.value); });
    c.parentId.replaceChildren(...parentChoices(story));
    c.parentId.value = story.parentId ?? '';
    error.textContent = '';
    refreshDirty();
  }

  /** `mine` is what the user changed since opening the story. */
  async function save(mine = changes()) {
    if (!Object.keys(mine).length) return;
    if ('title' in mine && !mine.title) { error.textContent = 'A story needs a title.'; c.title.focus(); return; }
    error.textContent = '';
    saveButton.disabled = true;
    try {
      const saved = await withQualityGate((acceptWarnings) =>
        api.updateStory(base.id, mine, { version: base.version, acceptWarnings }));
      if (saved) {
        fill(saved);
        toast(`Story #${saved.id} saved.`);
        await store.refresh();
      }
    } catch (e) {
      await handleError(e, mine);
    } finally {
      refreshDirty();
    }
  }

  async function handleError(e, mine) {
    if (e.code === 'VERSION_CONFLICT') {
      const current = await api.story(base.id);
      const theirs = Object.keys(FIELD_LABELS).some((f) => String(base[f] ?? '') !== String(current[f] ?? ''));
      // Only the version moved (e.g. a stored INVEST check): nothing to merge.
      const choice = theirs ? await resolveConflict({ base, current, mine }) : 'overwrite';
      if (choice === 'reload') {
        fill(current);
        await store.refresh();
      } else if (choice === 'overwrite') {
        base = current;
        await save(mine);
      }
    } else if (e.code === 'STORY_STATUS_BLOCKED') {
      await explainDoneGate(e, base);
    } else {
      const fieldName = e.details?.field;
      error.textContent = e.message;
      if (fieldName && c[fieldName]) c[fieldName].focus();
    }
  }

  form.addEventListener('input', refreshDirty);
  form.addEventListener('change', refreshDirty);
  form.addEventListener('submit', (event) => { event.preventDefault(); save(); });
  form.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
      event.preventDefault();
      save();
    }
  });
  fill(initial);

  return {
    element: form,
    isDirty: () => Object.keys(changes()).length > 0,
    /** A fresh copy of the story: taken unless the user is mid-edit. */
    update(story) {
      if (Object.keys(changes()).length === 0) fill(story);
    },
  };
}
