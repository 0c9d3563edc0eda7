// Code generation on a story: "Generate code & PR" (agent preset, optional
// instructions), the run's progress live (status steps, the agent's plan,
// activity, tokens and cost, and its log, polled while it is active), its
// attempts and their triggers, cancel, retry and follow up, earlier runs, and the story's PR
// cards with merge and stop tracking.

import { h, field } from './el.js';
import * as api from './api.js';
import * as store from './store.js';
import { AGENT_PRESETS, RUN_STEPS, isRunActive } from './rules.js';
import { openDialog, confirmDialog } from './dialogs.js';
import { withQualityGate } from './quality.js';
import { toast, toastError } from './toast.js';

const POLL_MS = 1000;

/**
 * Code generation needs a queue and a forge: /api/health names the forge when
 * the server has them, and says null when not. Until health has answered the
 * panel waits; a server whose health lacks the field is asked directly.
 */
function codegenState(health) {
  if (health == null) return 'unknown';
  return health.forge === null ? 'off' : 'on';
}
const RESULT_LABELS = {
  succeeded: 'Succeeded', no_changes: 'No changes', failed: 'Failed', cancelled: 'Cancelled', timed_out: 'Timed out',
};
const statusLabel = (s) => RESULT_LABELS[s] ?? (s ? s[0].toUpperCase() + s.slice(1) : 'unknown');
const when = (t) => (t ? new Date(t).toLocaleString() : '');
const logText = (log) => (Array.isArray(log) ? log.join('\n') : log ?? '');

/** `2 commits · 3 files (+84 −0) · verify passed (cargo test)` */
function describeSummary(summary) {
  if (!summary || typeof summary !== 'object') return summary ?? null;
  const parts = [];
  if (summary.commits != null) parts.push(`${summary.commits} ${summary.commits === 1 ? 'commit' : 'commits'}`);
  if (summary.filesChanged != null) {
    parts.push(`${summary.filesChanged} ${summary.filesChanged === 1 ? 'file' : 'files'}`
      + (summary.insertions != null ? ` (+${summary.insertions} −${summary.deletions ?? 0})` : ''));
  }
  if (summary.verify) {
    parts.push(`verify ${summary.verify.passed ? 'passed' : 'failed'}${summary.verify.command ? ` (${summary.verify.command})` : ''}`);
  }
  if (summary.agentExitCode != null && summary.agentExitCode !== 0) parts.push(`agent exit ${summary.agentExitCode}`);
  return parts.join(' · ') || null;
}

function progress(run) {
  const reached = RUN_STEPS.indexOf(run.status);
  const terminal = !isRunActive(run);
  const steps = [...RUN_STEPS.map((step, i) => ({
    label: statusLabel(step),
    state: terminal || i < reached ? 'done' : i === reached ? 'current' : 'todo',
  })), { label: terminal ? statusLabel(run.status) : 'Result', state: terminal ? `end end-${run.status}` : 'todo' }];
  return h('ol', { class: 'run-steps', 'aria-label': 'Run progress' },
    steps.map((s) => h('li', { class: `run-step ${s.state}`, 'aria-current': s.state === 'current' ? 'step' : null }, s.label)));
}

const STEP_MARKS = { completed: '✓', in_progress: '▸', pending: '○' };
const STEP_LABELS = { completed: 'done', in_progress: 'in progress', pending: 'to do' };
const TRIGGER_LABELS = { user: 'from you', review: 'from a review comment', ci: 'after a CI failure' };

/** The agent's own plan, as a checklist. */
function agentPlan(plan) {
  if (!plan?.length) return null;
  return h('ol', { class: 'run-plan', 'aria-label': 'Agent plan' },
    plan.map((step) => h('li', { class: `plan-step plan-${step.status}`, dataset: { status: step.status } },
      h('span', { class: 'plan-mark', 'aria-hidden': 'true' }, STEP_MARKS[step.status] ?? '○'),
      h('span', { class: 'visually-hidden' }, `${STEP_LABELS[step.status] ?? step.status}: `),
      step.text)));
}

function eventText(e) {
  switch (e.kind) {
    case 'toolCall': return [h('b', {}, e.tool), e.detail ? ` ${e.detail}` : ''];
    case 'fileChange': return [h('b', {}, e.change), ' ', h('span', { class: 'mono' }, e.path)];
    case 'message': return e.text;
    case 'error': return [h('b', {}, 'error'), ` ${e.message}`];
    case 'result': return [h('b', {}, e.ok ? 'attempt ended' : 'attempt failed'),
      e.turns != null ? ` · ${e.turns} turns` : '', e.costUsd != null ? ` · $${e.costUsd.toFixed(4)}` : ''];
    default: return e.kind;
  }
}

/** What the agent did, newest last; the list says how many were left out. */
function agentEvents(progress) {
  const events = progress?.events ?? [];
  if (!events.length) return null;
  return h('details', { class: 'run-events', open: true },
    h('summary', {}, `Agent activity (${events.length + (progress.omittedEvents ?? 0)} events)`),
    progress.omittedEvents ? h('p', { class: 'hint' }, `${progress.omittedEvents} earlier events are only in the log.`) : null,
    h('ol', { 'aria-label': 'Agent activity' },
      events.map((e) => h('li', { class: `run-event event-${e.kind}`, dataset: { kind: e.kind, attempt: e.attempt } },
        h('span', { class: 'muted' }, `#${e.attempt} `), eventText(e)))));
}

/** `2,048 in · 512 out tokens · $0.0123 · 4 turns` */
function describeUsage(usage) {
  if (!usage) return null;
  const parts = [`${usage.inputTokens.toLocaleString('en')} in · ${usage.outputTokens.toLocaleString('en')} out tokens`];
  if (usage.costUsd != null) parts.push(`$${usage.costUsd.toFixed(4)}`);
  if (usage.turns != null) parts.push(`${usage.turns} turns`);
  return parts.join(' · ');
}

/** Each attempt with what started it. */
function attemptList(run) {
  const attempts = run.attempts ?? [];
  if (attempts.length < 2 && !attempts.some((a) => a.message)) return null;
  return h('ol', { class: 'run-attempts', 'aria-label': 'Attempts' },
    attempts.map((a) => h('li', { dataset: { attempt: a.number, trigger: a.trigger } },
      `Attempt ${a.number} · ${TRIGGER_LABELS[a.trigger] ?? a.trigger} · ${when(a.requestedAt)}`,
      a.message ? h('div', { class: 'attempt-message' }, a.message) : null)));
}

function prCard(story, pr) {
  const merge = async () => {
    if (!(await confirmDialog({ title: `Merge PR #${pr.number}?`, message: `The branch ${pr.branchName} is squash-merged into its base branch.`, confirmLabel: 'Merge' }))) return;
    try {
      await api.mergePr(story.id, pr.number);
      toast(`PR #${pr.number} merged.`);
    } catch (error) { toastError(error, 'Merging failed'); }
    await store.refresh();
  };
  const stop = async () => {
    const close = h('input', { type: 'checkbox', name: 'close' });
    const ok = await confirmDialog({
      title: `Stop tracking PR #${pr.number}?`,
      message: 'The PR is no longer listed on this story.',
      confirmLabel: 'Stop tracking',
      extra: h('label', { class: 'check' }, close, 'Also close the pull request'),
    });
    if (!ok) return;
    try {
      await api.stopTrackingPr(story.id, pr.number, { close: close.checked });
      toast(`PR #${pr.number} is no longer tracked${close.checked ? ' and was closed' : ''}.`);
    } catch (error) { toastError(error, 'Stopping failed'); }
    await store.refresh();
  };
  const state = pr.state ?? 'open';
  return h('article', { class: 'pr-card', dataset: { pr: pr.number, state } },
    h('header', {},
      h('a', { href: pr.htmlUrl || pr.prUrl, target: '_blank', rel: 'noopener' }, `PR #${pr.number}`),
      h('span', { class: `chip pr-${state}` }, state)),
    h('div', { class: 'pr-title' }, pr.taskTitle || story.title),
    h('div', { class: 'muted mono' }, pr.branchName, pr.repo ? ` · ${pr.repo}` : ''),
    pr.runStatus ? h('div', { class: 'pr-run' }, 'Run: ', h('span', { class: `chip run-${pr.runStatus}` }, statusLabel(pr.runStatus))) : null,
    h('div', { class: 'muted pr-meta' }, pr.assignee ? `${pr.assignee} · ` : '', `updated ${when(pr.updatedAt || pr.createdAt)}`),
    h('div', { class: 'form-actions' },
      state === 'open' ? h('button', { type: 'button', class: 'small', onclick: merge }, 'Merge') : null,
      h('button', { type: 'button', class: 'small ghost', onclick: stop }, 'Stop tracking')));
}

export function createRunsPanel(initial) {
  let story = initial;
  let runs = [];
  let shown = null;
  /** true, false (not configured) or null (not known yet). */
  let available = null;
  let timer = null;
  let disposed = false;
  const generate = h('button', { type: 'button', class: 'primary small', id: 'generate-code' }, 'Generate code & PR');
  const body = h('div', { class: 'runs-body' });
  const element = h('section', { class: 'detail-section runs-section', 'aria-labelledby': 'runs-heading' },
    h('div', { class: 'section-head' }, h('h3', { id: 'runs-heading' }, 'Code generation'),
      h('span', { class: 'toolbar-spacer' }), generate),
    body);

  const schedule = () => {
    clearTimeout(timer);
    if (!disposed && isRunActive(shown)) timer = setTimeout(poll, POLL_MS);
  };

  async function poll() {
    if (!shown || disposed) return;
    try {
      const fresh = await api.run(shown.runId);
      const finished = isRunActive(shown) && !isRunActive(fresh);
      shown = fresh;
      runs = runs.map((r) => (r.runId === fresh.runId ? fresh : r));
      render();
      if (finished) await store.refresh();
    } catch (error) {
      if (error.status !== 404) console.warn('polling the run failed', error.message);
    }
    schedule();
  }

  async function load() {
    const configured = codegenState(store.state.health);
    if (configured !== 'on') {
      available = configured === 'unknown' ? null : false;
      render();
      return;
    }
    try {
      const answer = await api.storyRuns(story.id);
      runs = (Array.isArray(answer) ? answer : answer?.runs ?? [])
        .sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
      available = true;
      if (!shown || !runs.some((r) => r.runId === shown.runId)) shown = runs[0] ?? null;
      if (shown) shown = await api.run(shown.runId);
    } catch (error) {
      available = !['ROUTE_NOT_FOUND', 'CODEGEN_NOT_CONFIGURED'].includes(error.code);
    }
    render();
    schedule();
  }

  async function act(action, what) {
    try {
      const answer = await action();
      const next = answer?.run ?? answer;
      if (next?.runId) shown = next;
      await load();
    } catch (error) {
      toastError(error, what);
    }
  }

  async function openGenerate() {
    const agent = h('select', { name: 'agent' }, AGENT_PRESETS.map((a) => h('option', { value: a.id }, a.label)));
    const instructions = h('textarea', { name: 'instructions', rows: 4, placeholder: 'Optional: constraints, files to touch, how to verify…' });
    const note = h('p', { class: 'hint', role: 'status', style: 'margin:0' });
    const result = await openDialog({
      title: `Generate code & PR for #${story.id}`,
      className: 'generate-dialog',
      body: [
        h('p', { style: 'margin:0' }, 'AIPM opens a branch with a TASK.md (the story and its acceptance tests) and a draft pull request, '
          + 'then a worker runs the coding agent on it and pushes the result. You can follow the log here.'),
        field('Agent', agent), field('Instructions', instructions), note,
      ],
      actions: [
        { id: 'cancel', label: 'Cancel' },
        {
          id: 'generate', label: 'Generate', primary: true, submit: true,
          run: async () => {
            try {
              const answer = await withQualityGate((acceptWarnings) => api.generateCode(story.id, {
                agent: agent.value, instructions: instructions.value.trim(), acceptWarnings,
              }), { saveLabel: 'Generate anyway' });
              return answer ?? false;
            } catch (error) {
              note.textContent = error.code === 'RUN_IN_PROGRESS'
                ? 'A run of this story is still in progress; cancel it or wait for it to finish.'
                : `Not started: ${error.message}`;
              return false;
            }
          },
        },
      ],
    });
    if (result?.run) {
      shown = result.run;
      toast(`Run started${result.pr?.number ? ` with PR #${result.pr.number}` : ''}.`);
      await load();
      await store.refresh();
    }
  }
  generate.addEventListener('click', openGenerate);

  async function openFollowUp(run) {
    const message = h('textarea', { name: 'message', rows: 4, maxlength: 8000, placeholder: 'What should the agent change on the same branch?' });
    const note = h('p', { class: 'hint', role: 'status', style: 'margin:0' });
    const result = await openDialog({
      title: `Follow up on run #${run.runId}`,
      className: 'follow-up-dialog',
      body: [h('p', { style: 'margin:0' }, `A new attempt runs the agent on ${run.branchName} with your message at the end of TASK.md.`),
        field('Message', message), note],
      actions: [
        { id: 'cancel', label: 'Cancel' },
        {
          id: 'send', label: 'Start attempt', primary: true, submit: true,
          run: async () => {
            try {
              return (await api.followUpRun(run.runId, message.value)) ?? false;
            } catch (error) {
              note.textContent = `Not started: ${error.message}`;
              return false;
            }
          },
        },
      ],
    });
    if (result?.runId) {
      shown = result;
      toast(`Attempt ${result.attempt} started.`);
      await load();
    }
  }

  function runView(run) {
    const pre = h('pre', { class: 'run-log', tabindex: '0', 'aria-label': 'Run log' }, logText(run.log) || 'No output yet.');
    const previous = body.querySelector('.run-log');
    const stick = !previous || previous.scrollTop + previous.clientHeight >= previous.scrollHeight - 8;
    const scrollTop = previous?.scrollTop ?? 0;
    queueMicrotask(() => { pre.scrollTop = stick ? pre.scrollHeight : scrollTop; });
    const summary = describeSummary(run.summary);
    const usage = describeUsage(run.progress?.usage);
    return h('div', { class: `run run-${run.status}`, dataset: { runId: run.runId, status: run.status } },
      h('div', { class: 'run-head' },
        h('span', { class: `chip run-${run.status}`, id: 'run-status' }, statusLabel(run.status)),
        h('span', { class: 'muted' }, `${run.agent ?? 'agent'} · attempt ${run.attempt ?? 1} · ${when(run.createdAt)}`)),
      progress(run),
      agentPlan(run.progress?.plan),
      h('dl', { class: 'run-facts' },
        run.branchName ? [h('dt', {}, 'Branch'), h('dd', { class: 'mono' }, run.branchName)] : null,
        run.prNumber ? [h('dt', {}, 'Pull request'), h('dd', {}, h('a', { href: run.prUrl, target: '_blank', rel: 'noopener' }, `#${run.prNumber}`))] : null,
        summary ? [h('dt', {}, 'Summary'), h('dd', {}, summary)] : null,
        usage ? [h('dt', {}, 'Usage'), h('dd', { class: 'run-usage' }, usage)] : null,
        run.error ? [h('dt', {}, 'Error'), h('dd', { class: 'run-error' }, run.error)] : null),
      attemptList(run),
      agentEvents(run.progress),
      pre,
      h('div', { class: 'form-actions' },
        isRunActive(run)
          ? h('button', { type: 'button', class: 'small danger', onclick: () => act(() => api.cancelRun(run.runId), 'Cancelling failed') }, 'Cancel run')
          : null,
        !isRunActive(run) && run.status !== 'succeeded'
          ? h('button', { type: 'button', class: 'small', onclick: () => act(() => api.retryRun(run.runId), 'Retrying failed') }, 'Retry')
          : null,
        !isRunActive(run) && run.branchName
          ? h('button', { type: 'button', class: 'small', onclick: () => openFollowUp(run) }, 'Follow up')
          : null));
  }

  function render() {
    generate.disabled = available !== true || isRunActive(shown);
    const prs = story.prs ?? [];
    body.replaceChildren(...[
      available === null ? h('p', { class: 'hint' }, 'Checking whether this server can generate code…') : null,
      available === false ? h('p', { class: 'hint' }, 'Code generation is not configured on this server: it needs a queue, a forge and a worker (aipm serve with a project repository).') : null,
      available && !shown && !prs.length ? h('p', { class: 'hint' }, 'No run yet. One click opens a branch and a draft PR and runs the agent.') : null,
      shown ? runView(shown) : null,
      runs.length > 1 ? h('details', { class: 'earlier-runs' }, h('summary', {}, `${runs.length - 1} earlier ${runs.length === 2 ? 'run' : 'runs'}`),
        h('ul', {}, runs.filter((r) => r.runId !== shown?.runId).map((r) => h('li', {},
          h('button', { type: 'button', class: 'link-like', onclick: async () => { shown = await api.run(r.runId); render(); schedule(); } },
            `${statusLabel(r.status)} · ${r.agent ?? ''} · ${when(r.createdAt)}`))))) : null,
      prs.length ? h('h4', { class: 'pr-heading', id: 'prs-heading' }, `Pull requests (${prs.length})`) : null,
      prs.length ? h('div', { class: 'pr-cards', role: 'list', 'aria-labelledby': 'prs-heading' },
        prs.map((pr) => h('div', { role: 'listitem' }, prCard(story, pr)))) : null,
    ].filter(Boolean));
  }

  load();
  return {
    element,
    update(next) {
      story = next;
      render();
    },
    /** Health arrived or changed: code generation may have become available. */
    recheck() {
      const configured = codegenState(store.state.health);
      if ((configured === 'on' && available !== true) || (configured === 'off' && available !== false)) load();
    },
    dispose() {
      disposed = true;
      clearTimeout(timer);
    },
  };
}
