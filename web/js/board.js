// The Kanban board: Draft / Ready / In Progress / Blocked / Done with counts.
// Dragging a card to a column sets the story's status (with its version);
// Shift+Left/Right does the same from the keyboard. A move the Done gate
// refuses is explained by naming the blocking children and tests.

import { h } from './el.js';
import * as api from './api.js';
import * as store from './store.js';
import { BOARD_COLUMNS, isEpic, statusClass, qualityIssueCount } from './rules.js';
import { explainDoneGate } from './done-gate.js';
import { toast, toastError } from './toast.js';
import { showPanel, isNarrow } from './layout.js';

let root;
let drag = null;
let focusId = null;

const columnOf = (status) => BOARD_COLUMNS.findIndex((c) => c.holds.includes(status));

function card(story) {
  const issues = qualityIssueCount(story);
  const parent = store.state.byId.get(store.state.parentOf.get(story.id));
  const tests = story.acceptanceTests ?? [];
  const passing = tests.filter((t) => t.status === 'Pass').length;
  return h('li', {
    class: `card ${statusClass(story.status)}${issues ? ' has-issues' : ''}${story.id === store.state.selectedId ? ' selected' : ''}`,
    tabindex: '0',
    dataset: { id: story.id },
    'aria-describedby': 'board-help',
    'aria-label': `#${story.id} ${story.title}, ${story.status}`,
  },
  h('div', { class: 'card-top' },
    h('span', { class: 'card-id' }, `#${story.id}`),
    story.status === 'Approved' ? h('span', { class: 'chip st-approved' }, 'Approved') : null,
    h('span', { class: 'card-badges' },
      issues ? h('span', { class: 'badge badge-warn', title: `${issues} quality warning(s)` }, '⚠', issues) : null,
      isEpic(story) ? h('span', { class: 'badge badge-epic' }, 'EPIC') : null,
      story.storyPoint != null ? h('span', { class: 'badge badge-points', title: 'Story points' }, story.storyPoint) : null)),
  h('div', { class: 'card-title' }, story.title),
  h('div', { class: 'card-foot' },
    parent ? h('span', { class: 'card-parent', title: parent.title }, `↳ ${parent.title}`) : h('span', { class: 'card-parent' }, 'Root story'),
    h('span', { class: 'card-tests', title: 'Acceptance tests passing' }, `${passing}/${tests.length} tests`)));
}

function render() {
  if (!root) return;
  const stories = store.preorder();
  const hadFocus = root.contains(document.activeElement);
  const columns = BOARD_COLUMNS.map((column) => {
    const cards = stories.filter((s) => column.holds.includes(s.status));
    const headingId = `col-${statusClass(column.status)}`;
    return h('section', { class: `board-column ${statusClass(column.status)}`, dataset: { status: column.status }, 'aria-labelledby': headingId },
      h('header', { class: 'column-head' },
        h('h3', { id: headingId }, column.status),
        h('span', { class: 'column-count', 'aria-label': `${cards.length} stories` }, cards.length)),
      h('ul', { class: 'column-cards', 'aria-labelledby': headingId }, cards.map(card)));
  });
  root.replaceChildren(...columns);
  if (hadFocus && focusId != null) root.querySelector(`.card[data-id="${focusId}"]`)?.focus();
}

export async function moveStory(id, status) {
  const story = store.state.byId.get(id);
  if (!story || story.status === status) return;
  try {
    await api.updateStory(id, { status }, { version: story.version });
    toast(`#${id} moved to ${status}.`);
  } catch (error) {
    if (error.code === 'STORY_STATUS_BLOCKED') await explainDoneGate(error, story);
    else if (error.code === 'VERSION_CONFLICT') toast(`#${id} was changed by someone else; the board now shows the saved story. Move it again if you still want to.`, { error: true });
    else toastError(error, `Moving #${id} failed`);
  }
  await store.refresh();
}

function open(id) {
  store.select(id);
  if (isNarrow()) showPanel('details');
}

function columnAt(x, y) {
  return document.elementsFromPoint(x, y).map((el) => el.closest?.('.board-column')).find(Boolean) ?? null;
}

function onPointerDown(event) {
  const el = event.target.closest('.card');
  if (!el || event.button !== 0) return;
  drag = { id: Number(el.dataset.id), el, x: event.clientX, y: event.clientY, ghost: null, over: null };
  el.setPointerCapture(event.pointerId);
}

function onPointerMove(event) {
  if (!drag) return;
  if (!drag.ghost) {
    if (Math.hypot(event.clientX - drag.x, event.clientY - drag.y) < 5) return;
    const rect = drag.el.getBoundingClientRect();
    drag.ghost = drag.el.cloneNode(true);
    drag.ghost.classList.add('card-ghost');
    drag.ghost.style.width = `${rect.width}px`;
    drag.dx = drag.x - rect.left;
    drag.dy = drag.y - rect.top;
    document.body.append(drag.ghost);
    drag.el.classList.add('card-dragging');
  }
  drag.ghost.style.transform = `translate(${event.clientX - drag.dx}px, ${event.clientY - drag.dy}px)`;
  // Near an edge of a board wider than its panel, scroll toward the hidden columns.
  const edge = root.getBoundingClientRect();
  if (event.clientX > edge.right - 40) root.scrollLeft += 16;
  else if (event.clientX < edge.left + 40) root.scrollLeft -= 16;
  const over = columnAt(event.clientX, event.clientY);
  if (over !== drag.over) {
    drag.over?.classList.remove('drop-target');
    over?.classList.add('drop-target');
    drag.over = over;
  }
}

function onPointerUp(event) {
  if (!drag) return;
  const { id, ghost, over, el } = drag;
  drag = null;
  if (el.hasPointerCapture(event.pointerId)) el.releasePointerCapture(event.pointerId);
  if (!ghost) {
    focusId = id;
    open(id);
    return;
  }
  ghost.remove();
  el.classList.remove('card-dragging');
  over?.classList.remove('drop-target');
  if (over) moveStory(id, over.dataset.status);
}

function onKeyDown(event) {
  const el = event.target.closest('.card');
  if (!el) return;
  const id = Number(el.dataset.id);
  focusId = id;
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    open(id);
  } else if (event.shiftKey && (event.key === 'ArrowRight' || event.key === 'ArrowLeft')) {
    event.preventDefault();
    const from = columnOf(store.state.byId.get(id).status);
    const to = BOARD_COLUMNS[from + (event.key === 'ArrowRight' ? 1 : -1)];
    if (to) moveStory(id, to.status);
  } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    event.preventDefault();
    const cards = [...el.parentElement.children];
    cards[cards.indexOf(el) + (event.key === 'ArrowDown' ? 1 : -1)]?.focus();
  }
}

export function mountBoard(container) {
  root = h('div', { class: 'board', id: 'board' });
  root.addEventListener('pointerdown', onPointerDown);
  root.addEventListener('pointermove', onPointerMove);
  root.addEventListener('pointerup', onPointerUp);
  root.addEventListener('pointercancel', onPointerUp);
  root.addEventListener('keydown', onKeyDown);
  container.append(
    h('div', { class: 'view-toolbar' },
      h('p', { id: 'board-help', class: 'hint', style: 'margin:0' },
        'Drag a card to another column to change its status, or press Shift+←/→ on a focused card. Enter opens it.')),
    root);
  store.on('stories', render);
  store.on('selection', render);
  render();
}
