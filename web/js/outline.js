// The outline: the story tree as an ARIA tree with a roving tabindex.
// Up/Down move, Right opens or enters, Left closes or climbs, Home/End jump,
// Enter/Space open the story in details, * opens the siblings. A filter
// narrows the tree to matching stories and their ancestors.

import { h } from './el.js';
import * as store from './store.js';
import { isEpic, statusClass, qualityIssueCount } from './rules.js';
import { openCreateStory } from './create-story.js';
import { showPanel, isNarrow } from './layout.js';

let tree;
let filterInput;
let countLabel;
let emptyHint;
let focusedId = null;

function matchesFilter(story, query) {
  return !query || `#${story.id} ${story.title}`.toLowerCase().includes(query);
}

/** The rows the tree shows now: expanded branches, or the filter's matches. */
function visibleRows() {
  const query = filterInput.value.trim().toLowerCase();
  const rows = [];
  const keep = (story) => matchesFilter(story, query) || (story.children ?? []).some(keep);
  const walk = (stories, level) => {
    const shown = query ? stories.filter(keep) : stories;
    shown.forEach((story, i) => {
      const hasChildren = (story.children ?? []).length > 0;
      const open = hasChildren && (query ? true : store.isExpanded(story.id));
      rows.push({ story, level, open, hasChildren, posinset: i + 1, setsize: shown.length });
      if (open) walk(story.children, level + 1);
    });
  };
  walk(store.state.roots, 1);
  return rows;
}

function label(story) {
  const parts = [`#${story.id} ${story.title}`, story.status];
  if (story.storyPoint != null) parts.push(`${story.storyPoint} points`);
  if (isEpic(story)) parts.push('epic');
  const issues = qualityIssueCount(story);
  if (issues) parts.push(`${issues} quality ${issues === 1 ? 'warning' : 'warnings'}`);
  return parts.join(', ');
}

function item(row) {
  const { story } = row;
  const issues = qualityIssueCount(story);
  const selected = story.id === store.state.selectedId;
  const li = h('li', {
    role: 'treeitem',
    'aria-level': row.level,
    'aria-posinset': row.posinset,
    'aria-setsize': row.setsize,
    'aria-selected': String(selected),
    'aria-expanded': row.hasChildren ? String(row.open) : null,
    'aria-label': label(story),
    tabindex: '-1',
    dataset: { id: story.id },
    class: `tree-item ${selected ? 'selected' : ''} ${issues ? 'has-issues' : ''}`,
  }, h('div', { class: 'tree-row', style: `--level:${row.level}` },
    h('span', { class: `chevron ${row.hasChildren ? (row.open ? 'open' : '') : 'leaf'}`, 'aria-hidden': 'true', dataset: { toggle: story.id } }),
    h('span', { class: `status-dot ${statusClass(story.status)}`, title: story.status, 'aria-hidden': 'true' }),
    h('span', { class: 'tree-title', title: story.title }, story.title),
    h('span', { class: 'tree-meta', 'aria-hidden': 'true' },
      issues ? h('span', { class: 'badge badge-warn', title: `${issues} quality warning(s)` }, '⚠', issues) : null,
      isEpic(story) ? h('span', { class: 'badge badge-epic' }, 'EPIC') : null,
      story.storyPoint != null ? h('span', { class: 'badge badge-points', title: 'Story points' }, story.storyPoint) : null,
      h('span', { class: 'tree-id' }, `#${story.id}`))));
  return li;
}

function render() {
  const hadFocus = tree.contains(document.activeElement);
  const rows = visibleRows();
  tree.replaceChildren(...rows.map(item));
  emptyHint.hidden = !(store.state.loaded && store.state.byId.size === 0);
  countLabel.textContent = `${store.state.byId.size} ${store.state.byId.size === 1 ? 'story' : 'stories'}`;
  const ids = rows.map((r) => r.story.id);
  if (!ids.includes(focusedId)) {
    focusedId = ids.includes(store.state.selectedId) ? store.state.selectedId : ids[0] ?? null;
  }
  const current = itemFor(focusedId);
  if (current) {
    current.tabIndex = 0;
    if (hadFocus) current.focus();
  }
}

const itemFor = (id) => (id == null ? null : tree.querySelector(`[role="treeitem"][data-id="${id}"]`));
const items = () => [...tree.querySelectorAll('[role="treeitem"]')];

function focusItem(li) {
  if (!li) return;
  items().forEach((el) => { el.tabIndex = -1; });
  li.tabIndex = 0;
  focusedId = Number(li.dataset.id);
  li.focus();
  li.scrollIntoView({ block: 'nearest' });
}

function open(id) {
  store.select(id);
  if (isNarrow()) showPanel('details');
}

function onKeyDown(event) {
  const li = event.target.closest('[role="treeitem"]');
  if (!li) return;
  const list = items();
  const index = list.indexOf(li);
  const id = Number(li.dataset.id);
  const expanded = li.getAttribute('aria-expanded');
  const level = Number(li.getAttribute('aria-level'));
  const handled = {
    ArrowDown: () => focusItem(list[index + 1]),
    ArrowUp: () => focusItem(list[index - 1]),
    Home: () => focusItem(list[0]),
    End: () => focusItem(list.at(-1)),
    ArrowRight: () => {
      if (expanded === 'false') store.toggleExpanded(id, true);
      else if (expanded === 'true') focusItem(list[index + 1]);
    },
    ArrowLeft: () => {
      if (expanded === 'true') store.toggleExpanded(id, false);
      else if (level > 1) focusItem(itemFor(store.state.parentOf.get(id)));
    },
    Enter: () => open(id),
    ' ': () => open(id),
    '*': () => {
      const parent = store.state.parentOf.get(id);
      const siblings = parent == null ? store.state.roots : store.state.byId.get(parent).children;
      store.setExpanded([...(store.prefs.expanded[store.prefs.projectId] ?? []), ...siblings.map((s) => s.id)]);
    },
  }[event.key];
  if (handled) {
    event.preventDefault();
    handled();
  }
}

function onClick(event) {
  const li = event.target.closest('[role="treeitem"]');
  if (!li) return;
  const id = Number(li.dataset.id);
  if (event.target.closest('[data-toggle]') && li.hasAttribute('aria-expanded')) {
    store.toggleExpanded(id);
    focusItem(itemFor(id));
    return;
  }
  focusItem(li);
  open(id);
}

function expandAll(open) {
  const ids = open ? store.preorder().filter((s) => s.children?.length).map((s) => s.id) : [];
  store.setExpanded(ids);
}

export function mountOutline(panel) {
  emptyHint = h('p', { class: 'empty-hint', hidden: true }, 'No stories yet. Use “+ Story” to add the first one.');
  countLabel = h('span', { class: 'muted count', 'aria-live': 'polite' });
  filterInput = h('input', {
    type: 'search', id: 'outline-filter', placeholder: 'Filter by title or #id', autocomplete: 'off',
    oninput: render,
  });
  tree = h('ul', { role: 'tree', id: 'story-tree', 'aria-labelledby': 'outline-heading', class: 'tree', onkeydown: onKeyDown, onclick: onClick });
  panel.append(
    h('div', { class: 'panel-head' },
      h('h2', { id: 'outline-heading' }, 'Stories'), countLabel,
      h('button', { type: 'button', class: 'small primary', id: 'new-root-story', onclick: () => openCreateStory({ parentId: null }) }, '+ Story')),
    h('div', { class: 'outline-tools' },
      h('label', { for: 'outline-filter', class: 'visually-hidden' }, 'Filter stories'),
      filterInput,
      h('button', { type: 'button', class: 'small ghost', onclick: () => expandAll(true) }, 'Expand all'),
      h('button', { type: 'button', class: 'small ghost', onclick: () => expandAll(false) }, 'Collapse all')),
    h('div', { class: 'panel-body' }, tree, emptyHint),
  );
  store.on('stories', render);
  store.on('expanded', render);
  store.on('selection', () => {
    if (store.state.selectedId != null) focusedId = store.state.selectedId;
    render();
  });
  render();
}
