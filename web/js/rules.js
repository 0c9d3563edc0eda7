// The backlog's vocabulary as the UI needs it: statuses, the component
// catalog, and what makes a story an epic or a story with quality issues.

/**
 * A story with more points than this is an epic. The API's rule is
 * `EPIC_POINTS` in crates/core/src/quality/mod.rs; the two must agree (a test
 * checks it). Nothing else in the UI may hard-code the number.
 */
export const EPIC_POINTS = 8;

export function isEpic(story) {
  return story.storyPoint != null && story.storyPoint > EPIC_POINTS;
}

export const STORY_STATUSES = ['Draft', 'Ready', 'In Progress', 'Blocked', 'Approved', 'Done'];
export const TEST_STATUSES = ['Draft', 'Ready', 'Pass', 'Fail', 'Blocked', 'Need review with update'];
export const TASK_STATUSES = ['Not Started', 'In Progress', 'Blocked', 'Done'];

/** The board's columns. Approved stories sit in Ready (approved for work). */
export const BOARD_COLUMNS = [
  { status: 'Draft', holds: ['Draft'] },
  { status: 'Ready', holds: ['Ready', 'Approved'] },
  { status: 'In Progress', holds: ['In Progress'] },
  { status: 'Blocked', holds: ['Blocked'] },
  { status: 'Done', holds: ['Done'] },
];

export const COMPONENTS = [
  'WorkModel',
  'Document_Intelligence',
  'Review_Governance',
  'Orchestration_Engagement',
  'Run_Verify',
  'Traceabilty_Insight',
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

/** Code-run states after which nothing more happens. */
export const TERMINAL_RUN_STATES = ['succeeded', 'no_changes', 'failed', 'cancelled', 'timed_out'];
export const RUN_STEPS = ['queued', 'preparing', 'running', 'pushing'];

export function isRunActive(run) {
  return run != null && !TERMINAL_RUN_STATES.includes(run.status);
}

/** Agent presets of generateCode (DESIGN §6.5); '' lets the server choose. */
export const AGENT_PRESETS = [
  { id: '', label: 'Server default' },
  { id: 'kiro', label: 'Kiro CLI' },
  { id: 'claude', label: 'Claude Code' },
  { id: 'codex', label: 'Codex' },
  { id: 'aider', label: 'Aider' },
  { id: 'gemini', label: 'Gemini CLI' },
  { id: 'custom', label: 'Custom command (AIPM_AGENT_CMD)' },
];
