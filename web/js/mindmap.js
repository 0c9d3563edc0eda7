// The mindmap: the story tree in SVG, laid out automatically (mindmap-layout)
// with nodes that can be dragged into place (remembered per project), zoom
// (wheel, buttons) and pan (drag the background), a dependency overlay and
// "hide done". Nodes take a roving tabindex: arrows move, Enter opens.

import { h, s } from './el.js';
import * as store from './store.js';
import { isEpic, statusClass, qualityIssueCount } from './rules.js';
import { layoutTree, bounds, linkPath, NODE_W, NODE_H } from './mindmap-layout.js';
import { showPanel, isNarrow } from './layout.js';

const view = { x: 20, y: 20, k: 1, fitted: false };
let svg;
let viewport;
let layout = { nodes: [], edges: [], byId: new Map() };
let focusedId = null;
let gesture = null;
let frame = 0;

const MIN_READABLE_SCALE = 0.7;
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

function truncate(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function nodeElement(node) {
  const { story } = node;
  const issues = qualityIssueCount(story);
  const selected = story.id === store.state.selectedId;
  const epic = isEpic(story);
  const room = NODE_W - 26 - (epic ? 48 : 0) - (issues ? 20 : 0);
  const meta = [`#${story.id}`, story.status, story.storyPoint != null ? `${story.storyPoint} pts` : null]
    .filter(Boolean).join(' · ');
  const label = [`#${story.id} ${story.title}`, story.status,
    story.storyPoint != null ? `${story.storyPoint} points` : null, epic ? 'epic' : null,
    issues ? `${issues} quality warnings` : null].filter(Boolean).join(', ');
  return s('g', {
    class: `mm-node ${statusClass(story.status)}${selected ? ' selected' : ''}${issues ? ' has-issues' : ''}`,
    transform: `translate(${node.x},${node.y})`,
    tabindex: story.id === focusedId ? '0' : '-1',
    role: 'button',
    'aria-label': label,
    'aria-pressed': String(selected),
    dataset: { id: story.id },
  },
  s('title', {}, story.title),
  s('rect', { class: 'mm-card', width: NODE_W, height: NODE_H, rx: 7 }),
  s('rect', { class: 'mm-bar', width: 6, height: NODE_H, rx: 3 }),
  // The nested svg clips a title that the estimate let run too long.
  s('svg', { x: 16, y: 4, width: room, height: 24 },
    s('text', { class: 'mm-title', x: 0, y: 17 }, truncate(story.title, Math.floor(room / 7.3)))),
  s('text', { class: 'mm-meta', x: 16, y: 39 }, meta),
  epic ? s('g', { transform: `translate(${NODE_W - 44},8)` },
    s('rect', { class: 'mm-epic', width: 36, height: 15, rx: 3 }),
    s('text', { class: 'mm-epic-text', x: 18, y: 11.5 }, 'EPIC')) : null,
  issues ? s('text', { class: 'mm-warn', x: NODE_W - (epic ? 66 : 24), y: 21 }, '⚠') : null);
}

function dependencyPaths() {
  if (!store.prefs.showDependencies) return [];
  const paths = [];
  for (const node of layout.nodes) {
    for (const dep of node.story.dependencies ?? []) {
      const prerequisite = layout.byId.get(dep.storyId);
      if (!prerequisite) continue;
      const blocks = dep.relationship === 'blocks';
      paths.push(s('path', {
        class: `mm-dep ${blocks ? 'dep-blocks' : 'dep-depends'}`,
        d: linkPath(prerequisite, node),
        'marker-end': `url(#mm-arrow-${blocks ? 'blocks' : 'depends'})`,
      }, s('title', {}, blocks
        ? `#${dep.storyId} blocks #${node.story.id}`
        : `#${node.story.id} depends on #${dep.storyId}`)));
    }
  }
  return paths;
}

function render() {
  if (!svg) return;
  layout = layoutTree(store.state.roots, {
    hideDone: store.prefs.hideDone, offsets: store.projectPositions(),
  });
  const ids = layout.nodes.map((n) => n.story.id);
  if (!ids.includes(focusedId)) focusedId = ids.includes(store.state.selectedId) ? store.state.selectedId : ids[0] ?? null;
  const hadFocus = svg.contains(document.activeElement);
  viewport.replaceChildren(
    s('g', { class: 'mm-edges' }, layout.edges.map((e) => s('path', { class: 'mm-edge', d: linkPath(e.from, e.to) }))),
    s('g', { class: 'mm-nodes' }, layout.nodes.map(nodeElement)),
    s('g', { class: 'mm-deps' }, dependencyPaths()),
  );
  applyView();
  svg.dataset.nodes = String(layout.nodes.length);
  svg.parentElement?.classList.toggle('show-deps', store.prefs.showDependencies);
  if (hadFocus) nodeFor(focusedId)?.focus();
  if (!view.fitted && layout.nodes.length && svg.clientWidth) fit({ readable: true });
}

const nodeFor = (id) => svg.querySelector(`.mm-node[data-id="${id}"]`);

function applyView() {
  viewport.setAttribute('transform', `translate(${view.x},${view.y}) scale(${view.k})`);
}

function zoomAt(factor, cx, cy) {
  const k = clamp(view.k * factor, 0.15, 2.5);
  view.x = cx - ((cx - view.x) * k) / view.k;
  view.y = cy - ((cy - view.y) * k) / view.k;
  view.k = k;
  applyView();
}

/** Show the whole map; `readable` keeps text legible on a big backlog. */
export function fit({ readable = false } = {}) {
  const box = bounds(layout.nodes);
  const w = svg.clientWidth || 800;
  const hgt = svg.clientHeight || 600;
  const whole = clamp(Math.min((w - 40) / box.width, (hgt - 40) / box.height), 0.15, 1);
  view.k = readable ? Math.max(whole, MIN_READABLE_SCALE) : whole;
  if (view.k > whole) {
    // Too big to show whole and legible: start at the top left.
    view.x = 20 - box.x * view.k;
    view.y = 20 - box.y * view.k;
  } else {
    view.x = (w - box.width * view.k) / 2 - box.x * view.k;
    view.y = Math.max(20, (hgt - box.height * view.k) / 2) - box.y * view.k;
  }
  view.fitted = true;
  applyView();
}

/** Pan just enough to show a node. */
function ensureVisible(node) {
  const w = svg.clientWidth;
  const hgt = svg.clientHeight;
  const left = node.x * view.k + view.x;
  const top = node.y * view.k + view.y;
  if (left < 10) view.x += 10 - left;
  if (left + NODE_W * view.k > w - 10) view.x -= left + NODE_W * view.k - (w - 10);
  if (top < 10) view.y += 10 - top;
  if (top + NODE_H * view.k > hgt - 10) view.y -= top + NODE_H * view.k - (hgt - 10);
  applyView();
}

function focusNode(id) {
  const node = layout.byId.get(id);
  if (!node) return;
  svg.querySelectorAll('.mm-node[tabindex="0"]').forEach((el) => el.setAttribute('tabindex', '-1'));
  focusedId = id;
  const el = nodeFor(id);
  el.setAttribute('tabindex', '0');
  el.focus();
  ensureVisible(node);
}

function open(id) {
  store.select(id);
  if (isNarrow()) showPanel('details');
}

function onKeyDown(event) {
  const el = event.target.closest('.mm-node');
  if (!el) return;
  const node = layout.byId.get(Number(el.dataset.id));
  const column = layout.nodes.filter((n) => n.depth === node.depth).sort((a, b) => a.y - b.y);
  const at = column.indexOf(node);
  const move = {
    ArrowRight: () => layout.nodes.find((n) => n.parentId === node.story.id),
    ArrowLeft: () => layout.byId.get(node.parentId),
    ArrowDown: () => column[at + 1],
    ArrowUp: () => column[at - 1],
  }[event.key];
  if (move) {
    event.preventDefault();
    const target = move();
    if (target) focusNode(target.story.id);
  } else if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    open(node.story.id);
  }
}

function svgPoint(event) {
  const rect = svg.getBoundingClientRect();
  return [event.clientX - rect.left, event.clientY - rect.top];
}

function onPointerDown(event) {
  if (event.button !== 0) return;
  const el = event.target.closest('.mm-node');
  const id = el ? Number(el.dataset.id) : null;
  const offsets = store.projectPositions();
  gesture = {
    id, startX: event.clientX, startY: event.clientY, moved: false,
    origin: id == null ? [view.x, view.y] : [...(offsets[id] ?? [0, 0])],
  };
  svg.setPointerCapture(event.pointerId);
}

function onPointerMove(event) {
  if (!gesture) return;
  const dx = event.clientX - gesture.startX;
  const dy = event.clientY - gesture.startY;
  if (!gesture.moved && Math.hypot(dx, dy) < 4) return;
  gesture.moved = true;
  svg.classList.add('dragging');
  if (gesture.id == null) {
    view.x = gesture.origin[0] + dx;
    view.y = gesture.origin[1] + dy;
    applyView();
    return;
  }
  const offsets = { ...store.projectPositions() };
  offsets[gesture.id] = [gesture.origin[0] + dx / view.k, gesture.origin[1] + dy / view.k];
  store.prefs.positions = { ...store.prefs.positions, [store.prefs.projectId]: offsets };
  cancelAnimationFrame(frame);
  frame = requestAnimationFrame(render);
}

function onPointerUp(event) {
  if (!gesture) return;
  const done = gesture;
  gesture = null;
  svg.classList.remove('dragging');
  if (svg.hasPointerCapture(event.pointerId)) svg.releasePointerCapture(event.pointerId);
  if (done.id != null && done.moved) {
    store.setProjectPositions(store.projectPositions());
  } else if (done.id != null) {
    focusedId = done.id;
    open(done.id);
  }
}

function onWheel(event) {
  event.preventDefault();
  const [cx, cy] = svgPoint(event);
  zoomAt(Math.exp(-event.deltaY * 0.0015), cx, cy);
}

function toolbar() {
  const toggle = (key, text) => h('button', {
    type: 'button', class: 'small', 'aria-pressed': String(store.prefs[key]), dataset: { pref: key },
    onclick: (e) => {
      store.setPrefs({ [key]: !store.prefs[key] });
      e.currentTarget.setAttribute('aria-pressed', String(store.prefs[key]));
    },
  }, text);
  const zoom = (factor) => () => zoomAt(factor, svg.clientWidth / 2, svg.clientHeight / 2);
  return h('div', { class: 'view-toolbar', role: 'toolbar', 'aria-label': 'Mindmap' },
    toggle('showDependencies', 'Dependencies'),
    toggle('hideDone', 'Hide done'),
    h('span', { class: 'toolbar-spacer' }),
    h('button', { type: 'button', class: 'small icon', 'aria-label': 'Zoom out', onclick: zoom(1 / 1.25) }, '−'),
    h('button', { type: 'button', class: 'small', onclick: () => fit() }, 'Fit'),
    h('button', { type: 'button', class: 'small icon', 'aria-label': 'Zoom in', onclick: zoom(1.25) }, '+'),
    h('button', {
      type: 'button', class: 'small ghost', title: 'Forget dragged positions',
      onclick: () => { store.setProjectPositions({}); render(); fit({ readable: true }); },
    }, 'Reset layout'));
}

function markers() {
  const arrow = (id) => s('marker', {
    id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse',
  }, s('path', { d: 'M0,0 L10,5 L0,10 z' }));
  return s('defs', {}, arrow('mm-arrow-depends'), arrow('mm-arrow-blocks'));
}

export function mountMindmap(container) {
  viewport = s('g', { class: 'mm-viewport' });
  svg = s('svg', {
    class: 'mindmap', id: 'mindmap', role: 'group',
    'aria-label': 'Story mindmap. Arrow keys move between stories, Enter opens one.',
  }, markers(), viewport);
  svg.addEventListener('pointerdown', onPointerDown);
  svg.addEventListener('pointermove', onPointerMove);
  svg.addEventListener('pointerup', onPointerUp);
  svg.addEventListener('pointercancel', onPointerUp);
  svg.addEventListener('wheel', onWheel, { passive: false });
  svg.addEventListener('keydown', onKeyDown);
  const legend = h('div', { class: 'legend', 'aria-hidden': 'true' },
    h('span', { class: 'legend-depends' }, 'depends on'),
    h('span', { class: 'legend-blocks' }, 'blocks'),
    h('span', { class: 'legend-note' }, 'arrows point at the story that waits'));
  container.append(toolbar(), h('div', { class: 'mindmap-wrap' }, svg, legend));
  for (const topic of ['stories', 'selection', 'prefs', 'positions']) store.on(topic, render);
  store.on('project', () => { view.fitted = false; });
  new ResizeObserver(() => { if (!view.fitted) render(); }).observe(svg);
  render();
}

/** Fit again the next time the map shows (another project was opened). */
export function refit() {
  view.fitted = false;
  render();
}
