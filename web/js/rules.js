// The backlog's vocabulary as the UI needs it: statuses, the component
// catalog, the run states, the agents, and what makes a story an epic or a
// story with quality issues. The values come from the server
// (`GET /api/version` → `vocabulary`, read from the types that decide them)
// before the UI mounts; nothing here copies them.

/** A story with more points than this is an epic. */
export let EPIC_POINTS = null;
export let STORY_STATUSES = [];
export let TEST_STATUSES = [];
export let TASK_STATUSES = [];
export let COMPONENTS = [];
/** Code-run states after which nothing more happens, and the steps before. */
export let TERMINAL_RUN_STATES = [];
export let RUN_STEPS = [];
/** Agent presets of generateCode (DESIGN §6.5); '' lets the server choose. */
export let AGENT_PRESETS = [];

/** Display names of the agents the server knows; others show their id. */
const AGENT_LABELS = {
  kiro: 'Kiro CLI',
  claude: 'Claude Code',
  codex: 'Codex',
  aider: 'Aider',
  gemini: 'Gemini CLI',
  custom: 'Custom command (AIPM_AGENT_CMD)',
};

/** Take the server's vocabulary (the `vocabulary` of `GET /api/version`). */
export function applyVocabulary(v) {
  EPIC_POINTS = v.epicPoints;
  STORY_STATUSES = v.storyStatuses;
  TEST_STATUSES = v.testStatuses;
  TASK_STATUSES = v.taskStatuses;
  COMPONENTS = v.components;
  TERMINAL_RUN_STATES = v.runStates.terminal;
  RUN_STEPS = v.runStates.active;
  AGENT_PRESETS = [{ id: '', label: 'Server default' },
    ...v.agents.map((id) => ({ id, label: AGENT_LABELS[id] ?? id }))];
}

export function isEpic(story) {
  return story.storyPoint != null && story.storyPoint > EPIC_POINTS;
}

/** The board's columns. Approved stories sit in Ready (approved for work). */
export const BOARD_COLUMNS = [
  { status: 'Draft', holds: ['Draft'] },
  { status: 'Ready', holds: ['Ready', 'Approved'] },
  { status: 'In Progress', holds: ['In Progress'] },
  { status: 'Blocked', holds: ['Blocked'] },
  { status: 'Done', holds: ['Done'] },
];

/** The CSS class of a status: `In Progress` → `st-in-progress`. */
export function statusClass(status) {
  return `st-${String(status ?? 'draft').toLowerCase().replace(/\s+/g, '-')}`;
}

/** INVEST warnings on the story, or Then steps that cannot be measured. */
export function qualityIssueCount(story) {
  const invest = story.investWarnings?.length ?? 0;
  const tests = (story.acceptanceTests ?? []).reduce(
    (n, t) => n + (t.measurabilityWarnings?.length ?? 0), 0);
  return invest + tests;
}

export function hasQualityIssues(story) {
  return qualityIssueCount(story) > 0;
}


export function isRunActive(run) {
  return run != null && !TERMINAL_RUN_STATES.includes(run.status);
}
