// Import a backlog file (AIPM JSON or CSV export, the original AIPM's backup
// or table dump) into the current project, and export it as JSON or CSV.

import { h, field } from './el.js';
import * as api from './api.js';
import * as store from './store.js';
import { openDialog } from './dialogs.js';
import { toast, toastError } from './toast.js';

function describe(report) {
  const c = report.created ?? {};
  return `Imported ${c.stories ?? 0} stories, ${c.acceptanceTests ?? 0} acceptance tests, `
    + `${c.tasks ?? 0} tasks and ${c.dependencies ?? 0} dependencies`
    + (report.adjustments?.length ? ` (${report.adjustments.length} adjusted)` : '') + '.';
}

export async function openImportDialog() {
  const file = h('input', { type: 'file', accept: '.json,.csv,application/json,text/csv', required: true });
  const status = h('p', { class: 'hint', role: 'status', style: 'margin:0' });
  const project = store.state.projects.find((p) => p.id === store.prefs.projectId);
  const report = await openDialog({
    title: 'Import a backlog',
    body: [
      h('p', { style: 'margin:0' },
        `The stories are added to the project “${project?.name ?? store.prefs.projectId}”. `
        + 'AIPM reads its own JSON and CSV exports and the original AIPM\'s API backup and table dump.'),
      field('Backlog file', file),
      status,
    ],
    actions: [
      { id: 'cancel', label: 'Cancel' },
      {
        id: 'import', label: 'Import', primary: true, submit: true,
        run: async () => {
          const chosen = file.files?.[0];
          if (!chosen) { status.textContent = 'Choose a file first.'; file.focus(); return false; }
          status.textContent = 'Importing…';
          try {
            const text = await chosen.text();
            const csv = chosen.name.toLowerCase().endsWith('.csv');
            return await api.importBacklog(store.prefs.projectId, text, csv ? 'text/csv' : 'application/json');
          } catch (error) {
            status.textContent = `The import failed: ${error.message}`;
            return false;
          }
        },
      },
    ],
  });
  if (report?.created) {
    toast(describe(report));
    await store.loadStories();
  }
}

export async function openExportDialog() {
  const save = async (format) => {
    try {
      const blob = await api.exportBacklog(store.prefs.projectId, format);
      const link = h('a', { href: URL.createObjectURL(blob), download: `aipm-project-${store.prefs.projectId}.${format}` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    } catch (error) {
      toastError(error, 'The export failed');
    }
  };
  await openDialog({
    title: 'Export the backlog',
    body: h('p', { style: 'margin:0' },
      'JSON keeps the whole tree and can be imported again; CSV has one row per story for spreadsheets.'),
    actions: [
      { id: 'cancel', label: 'Close' },
      { id: 'csv', label: 'Download CSV', run: () => save('csv').then(() => false) },
      { id: 'json', label: 'Download JSON', primary: true, run: () => save('json').then(() => false) },
    ],
  });
}
