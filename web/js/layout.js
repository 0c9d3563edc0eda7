// Which panels show. Wide windows show any combination of outline, center
// (mindmap or board) and details, remembered across reloads; a narrow window
// shows one panel at a time and the toggles pick it.

import { prefs, setPrefs, on } from './store.js';

export const PANELS = [
  { id: 'outline', label: 'Outline', element: 'outline-panel', width: 'clamp(240px, 22vw, 340px)' },
  { id: 'center', label: 'Map / Board', element: 'center-panel', width: 'minmax(0, 1fr)' },
  { id: 'details', label: 'Details', element: 'details-panel', width: 'clamp(360px, 32vw, 500px)' },
];

const narrowQuery = window.matchMedia('(max-width: 899px)');

export function isNarrow() {
  return narrowQuery.matches;
}

export function isShown(id) {
  return isNarrow() ? prefs.narrowPanel === id : prefs.panels[id];
}

export function togglePanel(id) {
  if (isNarrow()) {
    setPrefs({ narrowPanel: id }, 'panels');
    return;
  }
  const panels = { ...prefs.panels, [id]: !prefs.panels[id] };
  // Never hide the last panel: there would be nothing left to turn back on.
  if (!Object.values(panels).some(Boolean)) return;
  setPrefs({ panels }, 'panels');
}

/** Bring a panel into view (a narrow window switches to it). */
export function showPanel(id) {
  if (isNarrow()) {
    if (prefs.narrowPanel !== id) setPrefs({ narrowPanel: id }, 'panels');
  } else if (!prefs.panels[id]) {
    setPrefs({ panels: { ...prefs.panels, [id]: true } }, 'panels');
  }
}

function apply() {
  const shown = PANELS.filter((p) => isShown(p.id));
  for (const panel of PANELS) {
    document.getElementById(panel.element).hidden = !isShown(panel.id);
  }
  // The center panel takes the free width; without it, the last panel does.
  const fill = isShown('center') ? 'center' : shown.at(-1)?.id;
  const columns = shown.map((p) => (p.id === fill ? 'minmax(0, 1fr)' : p.width));
  document.getElementById('workspace').style.setProperty('--cols', columns.join(' '));
  document.body.classList.toggle('narrow', isNarrow());
}

export function mountLayout() {
  on('panels', apply);
  narrowQuery.addEventListener('change', () => {
    apply();
    setPrefs({}, 'panels');
  });
  apply();
}
