// Creating a root or child story. "Draft from idea" asks the API for a draft
// (the LLM when configured, its template otherwise) and fills the form; the
// save goes through the quality gate.

import { h, field } from './el.js';
import * as api from './api.js';
import * as store from './store.js';
import { COMPONENTS } from './rules.js';
import { openDialog } from './dialogs.js';
import { withQualityGate } from './quality.js';
import { toast } from './toast.js';

function storyFields() {
  const f = {
    title: h('input', { name: 'title', required: true, autocomplete: 'off', maxlength: 200 }),
    asA: h('input', { name: 'asA', autocomplete: 'off', placeholder: 'e.g. product owner' }),
    iWant: h('input', { name: 'iWant', autocomplete: 'off', placeholder: 'to …' }),
    soThat: h('input', { name: 'soThat', autocomplete: 'off', placeholder: 'so that …' }),
    description: h('textarea', { name: 'description', rows: 4 }),
    storyPoint: h('input', { name: 'storyPoint', type: 'number', min: 0, step: 1, inputmode: 'numeric' }),
    assigneeEmail: h('input', { name: 'assigneeEmail', type: 'email', autocomplete: 'off' }),
  };
  f.components = COMPONENTS.map((c) => h('input', { type: 'checkbox', name: 'components', value: c }));
  return f;
}

function fill(f, draft) {
  for (const key of ['title', 'asA', 'iWant', 'soThat', 'description']) {
    if (draft[key] != null) f[key].value = draft[key];
  }
  if (draft.acceptanceCriteria?.length) {
    f.description.value = `${f.description.value.trim()}\n\nAcceptance criteria:\n${draft.acceptanceCriteria.map((c) => `- ${c}`).join('\n')}`.trim();
  }
  if (draft.storyPoint != null) f.storyPoint.value = draft.storyPoint;
  if (Array.isArray(draft.components)) {
    f.components.forEach((box) => { box.checked = draft.components.includes(box.value); });
  }
}

function values(f) {
  const out = {
    title: f.title.value.trim(),
    asA: f.asA.value.trim(),
    iWant: f.iWant.value.trim(),
    soThat: f.soThat.value.trim(),
    description: f.description.value.trim(),
    components: f.components.filter((b) => b.checked).map((b) => b.value),
  };
  if (f.storyPoint.value !== '') out.storyPoint = Number(f.storyPoint.value);
  if (f.assigneeEmail.value.trim()) out.assigneeEmail = f.assigneeEmail.value.trim();
  return out;
}

export async function openCreateStory({ parentId = null } = {}) {
  const parent = parentId == null ? null : store.state.byId.get(parentId);
  const f = storyFields();
  const idea = h('input', { name: 'idea', autocomplete: 'off', placeholder: 'e.g. export the backlog as CSV' });
  const status = h('p', { class: 'hint', role: 'status', style: 'margin:0' });
  const draftButton = h('button', { type: 'button', class: 'small' }, 'Draft from idea');
  draftButton.addEventListener('click', async () => {
    if (!idea.value.trim()) { status.textContent = 'Write the idea in a few words first.'; idea.focus(); return; }
    draftButton.disabled = true;
    status.textContent = 'Drafting…';
    try {
      const draft = await api.draftStory(idea.value.trim(), parentId);
      fill(f, draft);
      status.textContent = draft.source === 'openai'
        ? 'Drafted by the AI. Review it before creating.'
        : `Drafted from the template${draft.error ? ` (the AI failed: ${draft.error})` : ''}. Review it before creating.`;
      f.title.focus();
    } catch (error) {
      status.textContent = `Drafting failed: ${error.message}`;
    } finally {
      draftButton.disabled = false;
    }
  });

  const body = [
    h('p', { class: 'muted', style: 'margin:0' }, parent
      ? `A child of #${parent.id} “${parent.title}”.`
      : 'A root story of the project.'),
    h('div', { class: 'idea-row' }, field('Idea', idea, 'Describe the story in a few words and let AIPM draft it.'), draftButton),
    status,
    field('Title', f.title),
    h('div', { class: 'field-row' }, field('As a', f.asA), field('I want', f.iWant)),
    field('So that', f.soThat),
    field('Description', f.description),
    h('div', { class: 'field-row' }, field('Story points', f.storyPoint), field('Assignee e-mail', f.assigneeEmail)),
    h('fieldset', { class: 'components' }, h('legend', {}, 'Components'),
      f.components.map((box) => h('label', { class: 'check' }, box, box.value))),
    h('p', { class: 'hint', style: 'margin:0' }, 'A first acceptance test is drafted with the story; INVEST is checked before it is saved.'),
  ];

  const created = await openDialog({
    title: parent ? 'New child story' : 'New story',
    className: 'create-story-dialog',
    wide: true,
    body,
    initialFocus: 'input[name="idea"]',
    actions: [
      { id: 'cancel', label: 'Cancel' },
      {
        id: 'create', label: 'Create story', primary: true, submit: true,
        run: async () => {
          const fields = values(f);
          if (!fields.title) { status.textContent = 'A story needs a title.'; f.title.focus(); return false; }
          try {
            const story = await withQualityGate((acceptWarnings) => api.createStory(
              { ...fields, parentId, projectId: store.prefs.projectId }, { acceptWarnings }));
            return story ?? false;
          } catch (error) {
            status.textContent = `The story was not created: ${error.message}`;
            return false;
          }
        },
      },
    ],
  });
  if (!created?.id) return null;
  if (parentId != null) store.toggleExpanded(parentId, true);
  await store.loadStories();
  store.select(created.id);
  toast(`Story #${created.id} created.`);
  return created;
}
