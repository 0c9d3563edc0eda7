// The UI's state: the current project's story tree (indexed), the selected
// story with everything attached, and the preferences remembered across
// reloads (panels, view, expanded stories, mindmap positions, filters).
// Views subscribe to topics: 'projects', 'stories', 'selection', 'story',
// 'prefs', 'health'.

import * as api from './api.js';

const PREFS_KEY = 'aipm.ui.v1';

const DEFAULT_PREFS = {
  projectId: 1,
  panels: { outline: true, center: true, details: true },
  /** Which panel shows on a narrow window. */
  narrowPanel: 'outline',
  view: 'mindmap',
  /** projectId → ids of expanded stories in the outline. */
  expanded: {},
  hideDone: false,
  showDependencies: false,
  /** projectId → storyId → [dx, dy] offsets from the automatic layout. */
  positions: {},
};

function loadPrefs() {
  try {
    const saved = JSON.parse(localStorage.getItem(PREFS_KEY) ?? '{}');
    return {
      ...DEFAULT_PREFS,
      ...saved,
      panels: { ...DEFAULT_PREFS.panels, ...(saved.panels ?? {}) },
    };
  } catch {
    return structuredClone(DEFAULT_PREFS);
  }
}

export const prefs = loadPrefs();

export const state = {
  projects: [],
  /** Root stories of the current project, each with nested children. */
  roots: [],
  byId: new Map(),
  parentOf: new Map(),
  loaded: false,
  loadError: null,
  selectedId: null,
  /** The selected story as GET /api/stories/{id} answers it. */
  story: null,
  storyError: null,
  health: null,
  build: null,
};

const listeners = new Map();

export function on(topic, fn) {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic).add(fn);
}

export function emit(topic) {
  for (const fn of listeners.get(topic) ?? []) fn();
}

export function setPrefs(patch, topic = 'prefs') {
  Object.assign(prefs, patch);
  localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
  emit(topic);
}

// ---- tree index ----

function index(roots) {
  state.byId = new Map();
  state.parentOf = new Map();
  const walk = (story, parentId) => {
    state.byId.set(story.id, story);
    state.parentOf.set(story.id, parentId);
    for (const child of story.children ?? []) walk(child, story.id);
  };
  for (const root of roots) walk(root, null);
}

/** The stories in depth-first order, as the outline lists them. */
export function preorder(roots = state.roots) {
  const out = [];
  const walk = (story) => {
    out.push(story);
    (story.children ?? []).forEach(walk);
  };
  roots.forEach(walk);
  return out;
}

/** How many stories (the story included) and tests a delete would remove. */
export function subtreeSize(id) {
  const root = state.byId.get(id);
  if (!root) return { stories: 0, tests: 0 };
  let stories = 0;
  let tests = 0;
  const walk = (story) => {
    stories += 1;
    tests += story.acceptanceTests?.length ?? 0;
    (story.children ?? []).forEach(walk);
  };
  walk(root);
  return { stories, tests };
}

export function ancestors(id) {
  const out = [];
  for (let p = state.parentOf.get(id); p != null; p = state.parentOf.get(p)) {
    out.unshift(state.byId.get(p));
  }
  return out;
}

// ---- outline expansion ----

export function isExpanded(id) {
  return (prefs.expanded[prefs.projectId] ?? []).includes(id);
}

export function setExpanded(ids) {
  setPrefs({ expanded: { ...prefs.expanded, [prefs.projectId]: [...new Set(ids)] } }, 'expanded');
}

export function toggleExpanded(id, open = !isExpanded(id)) {
  const current = new Set(prefs.expanded[prefs.projectId] ?? []);
  if (open) current.add(id);
  else current.delete(id);
  setExpanded([...current]);
}

/** Open every ancestor of a story so the outline shows it. */
export function reveal(id) {
  const open = ancestors(id).map((s) => s.id);
  if (open.every(isExpanded)) return;
  setExpanded([...(prefs.expanded[prefs.projectId] ?? []), ...open]);
}

// ---- loading ----

export async function loadProjects() {
  state.projects = await api.projects();
  if (!state.projects.some((p) => p.id === prefs.projectId) && state.projects.length) {
    prefs.projectId = state.projects[0].id;
  }
  emit('projects');
}

export async function loadStories() {
  try {
    state.roots = await api.storyTree(prefs.projectId);
    state.loadError = null;
  } catch (error) {
    state.loadError = error;
    state.roots = [];
  }
  index(state.roots);
  state.loaded = true;
  emit('stories');
  if (state.selectedId != null && !state.byId.has(state.selectedId)) select(null);
}

export async function reloadStory() {
  const id = state.selectedId;
  if (id == null) {
    state.story = null;
  } else {
    try {
      const story = await api.story(id);
      if (state.selectedId !== id) return;
      state.story = story;
      state.storyError = null;
    } catch (error) {
      if (state.selectedId !== id) return;
      state.story = null;
      if (error.status === 404) state.selectedId = null;
      else state.storyError = error;
    }
  }
  emit('story');
}

/** Reload the tree and the selected story after a change. */
export async function refresh() {
  await Promise.all([loadStories(), reloadStory()]);
}

/** Asked before the selection changes; resolves false to stay (unsaved edits). */
let leaveGuard = async () => true;
export function setLeaveGuard(guard) {
  leaveGuard = guard;
}

export async function select(id) {
  const next = id == null ? null : Number(id);
  if (next === state.selectedId) return;
  if (!(await leaveGuard(next))) return;
  state.selectedId = next;
  state.story = null;
  const hash = next == null ? '' : `#story-${next}`;
  if (location.hash !== hash) history.replaceState(null, '', hash || location.pathname);
  if (next != null) reveal(next);
  emit('selection');
  reloadStory();
}

export async function switchProject(projectId) {
  setPrefs({ projectId: Number(projectId) });
  emit('project');
  state.selectedId = null;
  state.story = null;
  emit('selection');
  await loadStories();
  emit('story');
}

export function projectPositions() {
  return prefs.positions[prefs.projectId] ?? {};
}

export function setProjectPositions(positions) {
  setPrefs({ positions: { ...prefs.positions, [prefs.projectId]: positions } }, 'positions');
}
