// What a new workspace shows: how to add the first story or import a
// backlog, and what AIPM does with them.

import { h } from './el.js';
import * as store from './store.js';
import { openCreateStory } from './create-story.js';
import { openImportDialog } from './transfer.js';
import { EPIC_POINTS } from './rules.js';

export function emptyState() {
  const project = store.state.projects.find((p) => p.id === store.prefs.projectId);
  return h('div', { class: 'empty-state', id: 'empty-state' },
    h('h2', {}, `“${project?.name ?? 'This project'}” has no stories yet`),
    h('p', { class: 'lead' },
      'AIPM keeps your backlog as a tree of user stories, each with Given/When/Then acceptance tests. '
      + 'Start with one story or bring your existing backlog.'),
    h('ol', { class: 'steps' },
      h('li', {},
        h('h3', {}, 'Add your first story'),
        h('p', {}, 'Describe an idea in a few words and let AIPM draft the story: who wants it, what, and why. '
          + 'A first acceptance test is drafted with it.'),
        h('button', { type: 'button', class: 'primary', id: 'empty-add-story', onclick: () => openCreateStory({ parentId: null }) }, 'Add the first story')),
      h('li', {},
        h('h3', {}, 'Or import a backlog'),
        h('p', {}, 'Load an AIPM JSON or CSV export, or a backup of the original AIPM. Stories, tests, tasks and dependencies come along.'),
        h('button', { type: 'button', id: 'empty-import', onclick: openImportDialog }, 'Import a backlog file…')),
      h('li', {},
        h('h3', {}, 'Then'),
        h('p', {}, `Break big stories into children (more than ${EPIC_POINTS} points makes an epic), `
          + 'fix what the INVEST check flags, move stories across the board, '
          + 'and turn a ready story into a pull request with “Generate code & PR”.'))));
}
