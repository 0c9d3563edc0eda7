// The details panel: the selected story with every field (story-form), its
// INVEST quality, acceptance tests, tasks, dependencies, children, code
// generation, and the actions on it (add child, delete). The form and the
// runs panel live as long as the story is selected, so a refresh neither
// drops an edit in progress nor restarts a run's log.

import { h } from './el.js';
import * as api from './api.js';
import * as store from './store.js';
import { isEpic, statusClass, EPIC_POINTS } from './rules.js';
import { createStoryForm } from './story-form.js';
import { investSection, llmConfigured } from './quality.js';
import { testsSection } from './tests-section.js';
import { tasksSection } from './tasks-section.js';
import { depsSection } from './deps-section.js';
import { createRunsPanel } from './runs-panel.js';
import { openCreateStory } from './create-story.js';
import { confirmDialog } from './dialogs.js';
import { toast, toastError } from './toast.js';

let panel;
let current = null; // { id, form, runs, sections }

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

async function deleteStory(story) {
  const { stories, tests } = store.subtreeSize(story.id);
  const children = stories - 1;
  const parts = [];
  if (children) parts.push(plural(children, 'child story', 'child stories'));
  parts.push(plural(tests, 'acceptance test', 'acceptance tests'));
  const message = `This deletes story #${story.id} together with ${parts.join(' and ')}, `
    + 'and their tasks and dependency links. It cannot be undone.';
  const ok = await confirmDialog({
    title: `Delete “${story.title}”?`, message, confirmLabel: `Delete ${plural(stories, 'story', 'stories')}`, danger: true,
  });
  if (!ok) return;
  try {
    await api.deleteStory(story.id, story.version);
    toast(`Deleted ${plural(stories, 'story', 'stories')} and ${plural(tests, 'test', 'tests')}.`);
    dispose(); // the story is gone: nothing of it is left to save
    store.select(story.parentId);
    await store.loadStories();
  } catch (error) {
    if (error.code === 'VERSION_CONFLICT') {
      toast('The story changed since you opened it; look at the new version before deleting it.', { error: true });
      await store.refresh();
    } else {
      toastError(error, 'Deleting failed');
    }
  }
}

function head(story) {
  return h('div', { class: 'panel-head details-head' },
    h('h2', { id: 'details-heading' }, `Story #${story.id}`),
    h('span', { class: `chip ${statusClass(story.status)}` }, story.status),
    isEpic(story) ? h('span', { class: 'badge badge-epic', title: `More than ${EPIC_POINTS} points` }, 'EPIC') : null,
    h('span', { class: 'toolbar-spacer' }),
    h('button', { type: 'button', class: 'small', id: 'add-child', onclick: () => openCreateStory({ parentId: story.id }) }, '+ Child'),
    h('button', { type: 'button', class: 'small danger', id: 'delete-story', onclick: () => deleteStory(story) }, 'Delete'));
}

function breadcrumb(story) {
  const trail = store.ancestors(story.id);
  if (!trail.length) return h('p', { class: 'breadcrumb muted' }, 'Root story');
  return h('nav', { class: 'breadcrumb', 'aria-label': 'Parents' },
    trail.map((s, i) => [i ? h('span', { 'aria-hidden': 'true' }, ' › ') : null,
      h('button', { type: 'button', class: 'link-like', onclick: () => store.select(s.id) }, `#${s.id} ${s.title}`)]));
}

function childrenSection(story) {
  const kids = story.children ?? [];
  return h('section', { class: 'detail-section', 'aria-labelledby': 'children-heading' },
    h('div', { class: 'section-head' },
      h('h3', { id: 'children-heading' }, 'Child stories'),
      h('span', { class: 'muted' }, `${kids.filter((k) => k.status === 'Done').length}/${kids.length} done`)),
    kids.length
      ? h('ul', { class: 'child-list' }, kids.map((k) => h('li', {},
        h('span', { class: `chip ${statusClass(k.status)}` }, k.status),
        h('button', { type: 'button', class: 'link-like', onclick: () => store.select(k.id) }, `#${k.id} ${k.title}`),
        k.storyPoint != null ? h('span', { class: 'badge badge-points' }, k.storyPoint) : null)))
      : h('p', { class: 'hint', style: 'margin:0' }, 'No child story. Split a big story with “+ Child”.'));
}

function meta(story) {
  return h('p', { class: 'story-meta muted' },
    `Created ${new Date(story.createdAt).toLocaleString()} · updated ${new Date(story.updatedAt).toLocaleString()} · version ${story.version}`);
}

async function check(story, includeAiInvest) {
  await api.checkStory(story.id, { includeAiInvest });
  await store.refresh();
}

function placeholder(text) {
  panel.replaceChildren(
    h('div', { class: 'panel-head' }, h('h2', { id: 'details-heading' }, 'Details')),
    h('div', { class: 'panel-body details-empty' }, h('p', {}, text)));
}

function render() {
  const story = store.state.story;
  if (store.state.selectedId == null) {
    dispose();
    placeholder(store.state.roots.length
      ? 'Select a story in the outline, the mindmap or the board to see and edit it here.'
      : 'No story yet. Add the first one, or import a backlog.');
    return;
  }
  if (!story) {
    if (current?.id !== store.state.selectedId) {
      dispose();
      placeholder(store.state.storyError ? `Loading the story failed: ${store.state.storyError.message}` : 'Loading…');
    }
    return;
  }
  if (current?.id !== story.id) {
    dispose();
    current = { id: story.id, form: createStoryForm(story), runs: createRunsPanel(story) };
  } else {
    current.form.update(story);
    current.runs.update(story);
  }
  const scroller = panel.querySelector('.panel-body');
  const scrollTop = scroller?.dataset.story === String(story.id) ? scroller.scrollTop : 0;
  const hadFocus = panel.contains(document.activeElement) ? document.activeElement : null;
  const body = h('div', { class: 'panel-body details-body', dataset: { story: story.id } },
    breadcrumb(story),
    h('section', { class: 'detail-section', 'aria-label': 'Story' }, current.form.element),
    investSection(story, { onCheck: (ai) => check(story, ai), aiAvailable: llmConfigured(store.state.health) }),
    testsSection(story),
    childrenSection(story),
    tasksSection(story),
    depsSection(story),
    current.runs.element,
    meta(story));
  panel.replaceChildren(head(story), body);
  body.scrollTop = scrollTop;
  if (hadFocus?.isConnected) hadFocus.focus();
}

function dispose() {
  current?.runs.dispose();
  current = null;
}

/** Unsaved edits are not dropped silently when another story is opened. */
async function confirmLeave(nextId) {
  if (!current?.form.isDirty() || nextId === current.id) return true;
  return confirmDialog({
    title: `Discard your changes to story #${current.id}?`,
    message: 'You have edited this story without saving. Opening another story drops those edits.',
    confirmLabel: 'Discard changes',
    danger: true,
  });
}

export function mountDetails(element) {
  panel = element;
  store.setLeaveGuard(confirmLeave);
  window.addEventListener('beforeunload', (event) => {
    if (current?.form.isDirty()) event.preventDefault();
  });
  store.on('story', render);
  store.on('selection', render);
  store.on('stories', () => { if (store.state.selectedId == null) render(); });
  let aiAvailable = llmConfigured(store.state.health);
  store.on('health', () => {
    current?.runs.recheck();
    const now = llmConfigured(store.state.health);
    if (now !== aiAvailable && store.state.story) render();
    aiAvailable = now;
  });
  render();
}
