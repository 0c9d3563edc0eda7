// A story's dependency links: the stories it depends on or is blocked by
// (removable), the stories that wait for it, and a form to add a link.

import { h, field } from './el.js';
import * as api from './api.js';
import * as store from './store.js';
import { statusClass } from './rules.js';
import { toast, toastError } from './toast.js';

function ref(dep, extra) {
  return h('li', { class: 'dep-row' },
    h('span', { class: `dep-kind dep-${dep.relationship}` }, dep.relationship === 'blocks' ? 'blocked by' : 'depends on'),
    h('button', { type: 'button', class: 'link-like', onclick: () => store.select(dep.storyId) }, `#${dep.storyId} ${dep.title}`),
    h('span', { class: `chip ${statusClass(dep.status)}` }, dep.status),
    extra);
}

function incoming(dep) {
  return h('li', { class: 'dep-row' },
    h('span', { class: `dep-kind dep-${dep.relationship}` }, dep.relationship === 'blocks' ? 'blocks' : 'needed by'),
    h('button', { type: 'button', class: 'link-like', onclick: () => store.select(dep.storyId) }, `#${dep.storyId} ${dep.title}`),
    h('span', { class: `chip ${statusClass(dep.status)}` }, dep.status));
}

export function depsSection(story) {
  const linked = new Set([story.id, ...story.dependencies.map((d) => d.storyId)]);
  const target = h('select', { name: 'dependsOnStoryId' },
    h('option', { value: '' }, 'Choose a story…'),
    store.preorder().filter((s) => !linked.has(s.id)).map((s) => h('option', { value: s.id }, `#${s.id} ${s.title}`)));
  const relationship = h('select', { name: 'relationship' },
    h('option', { value: 'depends' }, 'depends on'),
    h('option', { value: 'blocks' }, 'is blocked by'));
  const form = h('form', { class: 'dep-form', 'aria-label': 'Add a dependency' },
    field('This story', relationship), field('Story', target),
    h('button', { type: 'submit', class: 'small' }, 'Link'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!target.value) { target.focus(); return; }
    try {
      await api.addDependency(story.id, Number(target.value), relationship.value);
      toast('Dependency added.');
    } catch (error) {
      toastError(error, 'Adding the dependency failed');
    }
    await store.refresh();
  });
  const remove = (dep) => h('button', {
    type: 'button', class: 'small ghost danger', 'aria-label': `Remove the link to #${dep.storyId}`,
    onclick: async () => {
      try {
        await api.removeDependency(story.id, dep.storyId);
        toast('Dependency removed.');
      } catch (error) {
        toastError(error, 'Removing the dependency failed');
      }
      await store.refresh();
    },
  }, '×');
  return h('section', { class: 'detail-section', 'aria-labelledby': 'deps-heading' },
    h('div', { class: 'section-head' }, h('h3', { id: 'deps-heading' }, 'Dependencies')),
    h('h4', { class: 'dep-heading', id: 'deps-out' }, 'This story waits for'),
    story.dependencies.length
      ? h('ul', { class: 'dep-list', 'aria-labelledby': 'deps-out' }, story.dependencies.map((d) => ref(d, remove(d))))
      : h('p', { class: 'hint', style: 'margin:0' }, 'No other story.'),
    story.dependents.length ? h('h4', { class: 'dep-heading', id: 'deps-in' }, 'Waiting for this story') : null,
    story.dependents.length
      ? h('ul', { class: 'dep-list', 'aria-labelledby': 'deps-in' }, story.dependents.map(incoming))
      : null,
    form);
}
