// Quality feedback: INVEST and measurability warnings with their
// suggestions. `withQualityGate` sends a write; when the API answers 409
// INVEST_WARNINGS or MEASURABILITY_WARNINGS (nothing was saved), it shows the
// warnings and lets the user go back and revise, or save anyway with
// `acceptWarnings: true`.

import { h } from './el.js';
import { openDialog } from './dialogs.js';

export function warningList(warnings, { label } = {}) {
  return h('ul', { class: 'warnings', 'aria-label': label ?? 'Quality warnings' },
    warnings.map((w) => h('li', { class: 'warning' },
      h('div', { class: 'criterion' }, w.criterion),
      h('div', { class: 'message' }, w.message),
      w.details ? h('div', { class: 'details' }, w.details) : null,
      w.suggestion ? h('div', { class: 'suggestion' }, h('strong', {}, 'Suggestion: '), w.suggestion) : null,
      w.source && w.source !== 'heuristic' ? h('div', { class: 'source' }, `from ${w.source}`) : null,
    )));
}

const GATE_TITLES = {
  INVEST_WARNINGS: 'The story has INVEST warnings',
  MEASURABILITY_WARNINGS: 'Some Then steps cannot be measured',
};

/** Show the warnings of a refused write; resolves true for "save anyway". */
export async function confirmWarnings(error, { saveLabel = 'Save anyway' } = {}) {
  const warnings = error.warnings?.length
    ? error.warnings
    : (error.suggestions ?? []).map((suggestion) => ({ criterion: 'suggestion', message: suggestion }));
  const answer = await openDialog({
    title: GATE_TITLES[error.code] ?? 'Quality warnings',
    className: 'quality-dialog',
    wide: true,
    body: [
      h('p', { class: 'muted', style: 'margin:0' },
        'Nothing has been saved yet. Revise the text with the suggestions below, or save it as it is.'),
      warningList(warnings),
    ],
    actions: [
      { id: 'revise', label: 'Keep editing', primary: true },
      { id: 'accept', label: saveLabel },
    ],
    initialFocus: 'button[data-action="revise"]',
  });
  return answer === 'accept';
}

/**
 * Run `send(acceptWarnings)`; on a quality gate ask the user. Resolves with
 * the API's answer, or null when the user chose to keep editing.
 */
export async function withQualityGate(send, options) {
  try {
    return await send(false);
  } catch (error) {
    if (!error.isQualityGate) throw error;
    if (!(await confirmWarnings(error, options))) return null;
    return send(true);
  }
}

/** Whether /api/health says an LLM is configured (the "check with AI" action). */
export function llmConfigured(health) {
  const llm = health?.llm;
  if (llm == null) return false;
  if (typeof llm === 'boolean') return llm;
  return Boolean(llm.configured ?? llm.enabled ?? llm.ok);
}

const SOURCES = { heuristic: 'deterministic checks', openai: 'deterministic checks and the AI', fallback: 'deterministic checks (the AI was not used)' };

/** The story's stored INVEST analysis, with re-check actions. */
export function investSection(story, { onCheck, aiAvailable }) {
  const warnings = story.investWarnings ?? [];
  const analysis = story.investAnalysis ?? {};
  const status = h('p', { class: 'hint', role: 'status', style: 'margin:0' });
  const check = (includeAiInvest) => async (event) => {
    event.currentTarget.disabled = true;
    status.textContent = includeAiInvest ? 'Asking the AI…' : 'Checking…';
    try {
      await onCheck(includeAiInvest);
      status.textContent = '';
    } catch (error) {
      status.textContent = `The check failed: ${error.message}`;
      event.currentTarget.disabled = false;
    }
  };
  return h('section', { class: 'detail-section quality-section', 'aria-labelledby': 'quality-heading' },
    h('div', { class: 'section-head' },
      h('h3', { id: 'quality-heading' }, 'INVEST quality'),
      warnings.length
        ? h('span', { class: 'badge badge-warn' }, `${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'}`)
        : h('span', { class: 'chip st-done' }, analysis.source ? 'No issues' : 'Not checked yet'),
      h('span', { class: 'toolbar-spacer' }),
      h('button', { type: 'button', class: 'small', onclick: check(false) }, 'Re-check'),
      aiAvailable ? h('button', { type: 'button', class: 'small', onclick: check(true) }, 'Check with AI') : null),
    analysis.source
      ? h('p', { class: 'hint', style: 'margin:0' }, `Checked by ${SOURCES[analysis.source] ?? analysis.source}.`
        + (analysis.aiSummary ? ` AI: ${analysis.aiSummary}` : '')
        + (analysis.error ? ` ${analysis.error}` : ''))
      : null,
    warnings.length ? warningList(warnings, { label: 'INVEST warnings' }) : null,
    status);
}
