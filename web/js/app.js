// Start the UI: mount the header and the panels, load the projects and the
// story tree, open the story named in the URL (#story-12), and ask for the
// API token when the server wants one.

import { h, field } from './el.js';
import * as api from './api.js';
import * as store from './store.js';
import { mountLayout } from './layout.js';
import { mountHeader } from './header.js';
import { mountOutline } from './outline.js';
import { mountCenter } from './center.js';
import { mountDetails } from './details.js';
import { openDialog } from './dialogs.js';
import { toastError } from './toast.js';
import { applyVocabulary } from './rules.js';

function storyFromHash() {
  const match = /^#story-(\d+)$/.exec(location.hash);
  return match ? Number(match[1]) : null;
}

async function askForToken() {
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off' });
  const token = await openDialog({
    title: 'This AIPM server needs an API token',
    body: [h('p', { style: 'margin:0' }, 'Paste the token your administrator set as AIPM_API_TOKEN. It is kept in this browser only.'),
      field('API token', input)],
    actions: [{ id: 'save', label: 'Use token', primary: true, submit: true, run: () => input.value.trim() || false }],
  });
  api.setApiToken(token);
}

async function load() {
  try {
    await store.loadProjects();
  } catch (error) {
    if (error.status === 401) {
      await askForToken();
      return load();
    }
    toastError(error, 'Loading the projects failed');
  }
  await store.loadStories();
  if (store.state.loadError) toastError(store.state.loadError, 'Loading the stories failed');
  const wanted = storyFromHash();
  if (wanted != null && store.state.byId.has(wanted)) store.select(wanted);
}

async function start() {
  // The vocabulary (statuses, components, run states, agents, the epic
  // threshold) comes from the server before anything is drawn.
  try {
    applyVocabulary((await api.version()).vocabulary);
  } catch (error) {
    toastError(error, 'Reaching the AIPM server failed');
    return;
  }
  mountLayout();
  mountHeader(document.getElementById('app-header'));
  mountOutline(document.getElementById('outline-panel'));
  mountCenter(document.getElementById('center-panel'));
  mountDetails(document.getElementById('details-panel'));
  window.addEventListener('hashchange', () => {
    const id = storyFromHash();
    if (id != null) store.select(id);
  });
  load().then(() => document.body.setAttribute('data-ready', 'true'));
}

start();
