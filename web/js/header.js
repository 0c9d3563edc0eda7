// The header: project switcher, build version, the health dot (from
// /api/health, polled), import/export and the panel toggles.

import { h } from './el.js';
import * as api from './api.js';
import * as store from './store.js';
import { PANELS, togglePanel, isShown } from './layout.js';
import { openImportDialog, openExportDialog } from './transfer.js';
import { openDialog } from './dialogs.js';
import { field } from './el.js';
import { toastError } from './toast.js';

const HEALTH_POLL_MS = 30000;

function projectSwitcher() {
  const select = h('select', { id: 'project-switcher' });
  const render = () => {
    select.replaceChildren(...store.state.projects.map((p) =>
      h('option', { value: p.id, selected: p.id === store.prefs.projectId }, p.name)));
  };
  select.addEventListener('change', () => store.switchProject(select.value));
  store.on('projects', render);
  const add = h('button', { type: 'button', class: 'icon', title: 'New project', 'aria-label': 'New project', onclick: newProject }, '+');
  return h('div', { class: 'header-group' },
    h('label', { for: 'project-switcher' }, 'Project'), select, add);
}

async function newProject() {
  const name = h('input', { name: 'name', required: true, autocomplete: 'off' });
  const description = h('textarea', { name: 'description', rows: 2 });
  const repository = h('input', { name: 'repository', placeholder: 'owner/name or /path/to/repo' });
  const created = await openDialog({
    title: 'New project',
    body: [field('Name', name), field('Description', description),
      field('Repository', repository, 'Where code generation opens branches and pull requests.')],
    actions: [
      { id: 'cancel', label: 'Cancel' },
      {
        id: 'create', label: 'Create project', primary: true, submit: true,
        run: async () => {
          if (!name.value.trim()) { name.focus(); return false; }
          try {
            return await api.createProject({
              name: name.value, description: description.value, repository: repository.value,
            });
          } catch (error) { toastError(error, 'Creating the project failed'); return false; }
        },
      },
    ],
  });
  if (created?.id) {
    await store.loadProjects();
    await store.switchProject(created.id);
    store.emit('projects');
  }
}

function healthIndicator() {
  const dot = h('span', { class: 'health-dot', 'aria-hidden': 'true' });
  const text = h('span', { class: 'health-text' }, 'checking…');
  const box = h('span', { class: 'health', id: 'health', role: 'status' }, dot, text);
  const check = async () => {
    let status = 'down';
    let title = 'The API does not answer.';
    try {
      const health = await api.health();
      store.state.health = health;
      status = health.status === 'ok' ? 'ok' : 'degraded';
      title = health.status === 'ok'
        ? `API ok · store ${health.store?.kind ?? ''}`
        : `Degraded: ${health.store?.error ?? 'a dependency is down'}`;
    } catch {
      store.state.health = null;
    }
    dot.className = `health-dot ${status}`;
    text.textContent = { ok: 'API ok', degraded: 'Degraded', down: 'API down' }[status];
    box.title = title;
    box.dataset.status = status;
    store.emit('health');
  };
  check();
  setInterval(check, HEALTH_POLL_MS);
  return box;
}

function buildInfo() {
  const span = h('span', { class: 'build-info', id: 'build-info' });
  api.version().then((b) => {
    store.state.build = b;
    span.textContent = `v${b.version} · ${b.commit}`;
    span.title = `AIPM ${b.version}, commit ${b.commit}`;
  }).catch(() => { span.textContent = ''; });
  return span;
}

function panelToggles() {
  const buttons = PANELS.map((p) => h('button', {
    type: 'button', class: 'small', dataset: { panel: p.id },
    onclick: () => togglePanel(p.id),
  }, p.label));
  const render = () => buttons.forEach((b) => b.setAttribute('aria-pressed', String(isShown(b.dataset.panel))));
  store.on('panels', render);
  render();
  return h('div', { class: 'panel-toggles', role: 'group', 'aria-label': 'Panels' }, buttons);
}

export function mountHeader(root) {
  root.append(
    h('div', { class: 'brand' }, h('img', { src: 'favicon.svg', alt: '' }), h('span', {}, 'AIPM')),
    projectSwitcher(),
    h('div', { class: 'header-spacer' }),
    h('div', { class: 'header-group' },
      h('button', { type: 'button', class: 'small', onclick: openImportDialog }, 'Import…'),
      h('button', { type: 'button', class: 'small', onclick: openExportDialog }, 'Export…')),
    panelToggles(),
    healthIndicator(),
    buildInfo(),
  );
}
