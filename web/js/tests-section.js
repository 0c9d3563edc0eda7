// A story's acceptance tests: Given/When/Then, status, and the GWT health
// with its suggestions. Create (with "Draft" from an idea), edit and delete;
// writes go through the measurability gate and carry the test's version.

import { h, field } from './el.js';
import * as api from './api.js';
import * as store from './store.js';
import { TEST_STATUSES } from './rules.js';
import { withQualityGate, warningList } from './quality.js';
import { confirmDialog } from './dialogs.js';
import { toast, toastError } from './toast.js';

const lines = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean);

function steps(label, list) {
  return h('div', { class: 'gwt-part' },
    h('span', { class: 'gwt-label' }, label),
    h('ul', {}, list.map((step) => h('li', {}, step))));
}

async function afterChange(message) {
  if (message) toast(message);
  await store.refresh();
}

function failure(error, what) {
  if (error.code === 'VERSION_CONFLICT') {
    toast(`${what}: the test was changed by someone else; it now shows the saved version.`, { error: true });
    return store.refresh();
  }
  return toastError(error, what);
}

/** The form that creates or edits a test; `test` is null for a new one. */
function testForm(story, test, onDone) {
  const idea = h('input', { name: 'idea', autocomplete: 'off', placeholder: 'e.g. export includes every story' });
  const title = h('input', { name: 'title', autocomplete: 'off', value: test?.title ?? '', placeholder: `AT-${story.id}-${story.acceptanceTests.length + 1}` });
  const given = h('textarea', { name: 'given', rows: 2, value: (test?.given ?? []).join('\n') });
  const when = h('textarea', { name: 'when', rows: 2, value: (test?.when ?? []).join('\n') });
  const then = h('textarea', { name: 'then', rows: 2, value: (test?.then ?? []).join('\n') });
  const note = h('p', { class: 'hint', role: 'status', style: 'margin:0' });
  const draft = h('button', { type: 'button', class: 'small' }, 'Draft');
  draft.addEventListener('click', async () => {
    draft.disabled = true;
    note.textContent = 'Drafting…';
    try {
      const d = await api.draftTest(story.id, idea.value.trim());
      title.value = d.title ?? title.value;
      given.value = d.given.join('\n');
      when.value = d.when.join('\n');
      then.value = d.then.join('\n');
      note.textContent = d.source === 'openai' ? 'Drafted by the AI; review it.' : 'Drafted from the template; review it.';
    } catch (error) {
      note.textContent = `Drafting failed: ${error.message}`;
    } finally {
      draft.disabled = false;
    }
  });
  const form = h('form', { class: 'test-form', 'aria-label': test ? `Edit ${test.title}` : 'New acceptance test' },
    test ? null : h('div', { class: 'idea-row' }, field('Idea (optional)', idea), draft),
    field('Title', title),
    field('Given', given, 'One step per line.'),
    field('When', when),
    field('Then', then, 'Name an observable outcome: a number with a unit, a status code, a visible message.'),
    note,
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'primary small' }, test ? 'Save test' : 'Add test'),
      h('button', { type: 'button', class: 'small', onclick: () => onDone(false) }, 'Cancel')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { given: lines(given.value), when: lines(when.value), then: lines(then.value) };
    if (title.value.trim()) body.title = title.value.trim();
    if (!body.given.length || !body.when.length || !body.then.length) {
      note.textContent = 'Given, When and Then each need at least one step.';
      return;
    }
    try {
      const saved = await withQualityGate((acceptWarnings) => (test
        ? api.updateTest(test.id, body, { version: test.version, acceptWarnings })
        : api.createTest(story.id, body, { acceptWarnings })));
      if (saved) {
        onDone(true);
        await afterChange(test ? `${saved.title} saved.` : `${saved.title} added.`);
      }
    } catch (error) {
      await failure(error, test ? 'Saving the test failed' : 'Adding the test failed');
    }
  });
  return form;
}

function testCard(story, test, rerender) {
  const status = h('select', { 'aria-label': `Status of ${test.title}`, class: 'test-status' },
    TEST_STATUSES.map((s) => h('option', { value: s, selected: s === test.status }, s)));
  status.addEventListener('change', async () => {
    try {
      await api.updateTest(test.id, { status: status.value }, { version: test.version });
      await afterChange(`${test.title} is now ${status.value}.`);
    } catch (error) {
      await failure(error, 'Changing the test status failed');
    }
  });
  const card = h('article', { class: `test-card test-${test.status.toLowerCase().replace(/\s+/g, '-')}`, dataset: { testId: test.id } });
  const edit = () => {
    card.replaceChildren(testForm(story, test, (saved) => { if (!saved) rerender(); }));
    card.querySelector('textarea')?.focus();
  };
  const remove = async () => {
    if (!(await confirmDialog({ title: `Delete ${test.title}?`, message: 'The acceptance test is deleted for good.', confirmLabel: 'Delete test', danger: true }))) return;
    try {
      await api.deleteTest(test.id, test.version);
      await afterChange(`${test.title} deleted.`);
    } catch (error) {
      await failure(error, 'Deleting the test failed');
    }
  };
  // The lean story read keeps in gwtHealth.issues only what
  // measurabilityWarnings does not hold (docs/reads.md): together they are
  // every issue, structure first.
  const issues = [...(test.gwtHealth?.issues ?? []), ...(test.measurabilityWarnings ?? [])];
  card.append(
    h('header', { class: 'test-head' },
      h('h4', {}, test.title), status,
      h('button', { type: 'button', class: 'small ghost', onclick: edit, 'aria-label': `Edit ${test.title}` }, 'Edit'),
      h('button', { type: 'button', class: 'small ghost danger', onclick: remove, 'aria-label': `Delete ${test.title}` }, 'Delete')),
    steps('Given', test.given), steps('When', test.when), steps('Then', test.then),
    issues.length
      ? h('details', { class: 'gwt-health' },
        h('summary', {}, `⚠ ${issues.length} GWT ${issues.length === 1 ? 'issue' : 'issues'} with suggestions`),
        warningList(issues, { label: `Issues of ${test.title}` }))
      : h('p', { class: 'gwt-ok' }, '✓ Every Then step is measurable'));
  return card;
}

export function testsSection(story) {
  const list = h('div', { class: 'test-list' });
  const slot = h('div');
  const render = () => list.replaceChildren(...story.acceptanceTests.map((t) => testCard(story, t, render)));
  const add = h('button', { type: 'button', class: 'small', id: 'add-test' }, '+ Test');
  add.addEventListener('click', () => {
    slot.replaceChildren(testForm(story, null, () => { slot.replaceChildren(); add.focus(); }));
    slot.querySelector('input')?.focus();
  });
  render();
  const count = story.acceptanceTests.length;
  const passing = story.acceptanceTests.filter((t) => t.status === 'Pass').length;
  return h('section', { class: 'detail-section', 'aria-labelledby': 'tests-heading' },
    h('div', { class: 'section-head' },
      h('h3', { id: 'tests-heading' }, 'Acceptance tests'),
      h('span', { class: 'muted' }, `${passing}/${count} passing`),
      h('span', { class: 'toolbar-spacer' }), add),
    count ? null : h('p', { class: 'hint' }, 'No acceptance test yet. A story needs at least one, passing, to be Done.'),
    list, slot);
}
