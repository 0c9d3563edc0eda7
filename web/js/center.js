// The center panel: Mindmap and Board tabs (the choice is remembered), or the
// empty state while the project has no story.

import { h } from './el.js';
import * as store from './store.js';
import { mountMindmap } from './mindmap.js';
import { mountBoard } from './board.js';
import { emptyState } from './empty-state.js';

const VIEWS = [
  { id: 'mindmap', label: 'Mindmap' },
  { id: 'board', label: 'Board' },
];

export function mountCenter(panel) {
  const tabs = VIEWS.map((v) => h('button', {
    type: 'button', role: 'tab', id: `tab-${v.id}`, 'aria-controls': `view-${v.id}`, dataset: { view: v.id },
  }, v.label));
  const tablist = h('div', { role: 'tablist', 'aria-label': 'View', class: 'tabs' }, tabs);
  const views = Object.fromEntries(VIEWS.map((v) => [v.id,
    h('div', { role: 'tabpanel', id: `view-${v.id}`, 'aria-labelledby': `tab-${v.id}`, class: 'view' })]));
  const empty = h('div', { class: 'view empty-view' });
  const head = h('div', { class: 'panel-head' }, h('h2', { class: 'visually-hidden' }, 'Views'), tablist);
  panel.append(head, views.mindmap, views.board, empty);

  const select = (id, focus = false) => {
    store.setPrefs({ view: id }, 'view');
    if (focus) document.getElementById(`tab-${id}`).focus();
  };
  tablist.addEventListener('click', (e) => {
    const tab = e.target.closest('[role="tab"]');
    if (tab) select(tab.dataset.view);
  });
  tablist.addEventListener('keydown', (e) => {
    const i = VIEWS.findIndex((v) => v.id === store.prefs.view);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: VIEWS.length - 1 }[e.key];
    if (next == null) return;
    e.preventDefault();
    select(VIEWS[(next + VIEWS.length) % VIEWS.length].id, true);
  });

  const render = () => {
    const isEmpty = store.state.loaded && store.state.roots.length === 0;
    for (const tab of tabs) {
      const active = tab.dataset.view === store.prefs.view;
      tab.setAttribute('aria-selected', String(active));
      tab.tabIndex = active ? 0 : -1;
    }
    for (const [id, el] of Object.entries(views)) el.hidden = isEmpty || id !== store.prefs.view;
    head.hidden = isEmpty;
    empty.hidden = !isEmpty;
    if (isEmpty && !empty.childElementCount) empty.append(emptyState());
  };
  store.on('view', render);
  store.on('stories', render);

  mountMindmap(views.mindmap);
  mountBoard(views.board);
  render();
}
