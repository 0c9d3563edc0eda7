// Generate Code & PR: one click, then the run live (status steps, log),
// cancel and retry, the PR link, and the story's PR cards.
//
// The first test drives the UI through every run state (DESIGN §3.1, §6),
// with the run endpoints answered by a scripted double in the browser so that
// each state is seen in turn. The second runs the real thing: `aipm serve`,
// its in-process worker, a local git repository and the scripted fake agent
// (tests/agent/fake_agent.py). The fourth runs the fake agent in its
// stream-json mode, then a follow-up: the agent's plan, activity, tokens and
// cost, and the attempts with their triggers show.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, screenshot } from './harness.js';
import { noProblems, openStory, WELL_FORMED } from './flows.js';

/** This server has no code generation configured; the double says it has. */
async function withForge(page) {
  await page.route('**/api/health', async (route) => {
    const response = await route.fetch();
    const health = await response.json();
    return json(route, 200, { ...health, forge: { kind: 'local' }, queue: { kind: 'sqlite', ok: true, visible: 0, inFlight: 0, deadLetter: 0 } });
  });
}

const json = (route, status, body) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });

/** A run that moves one state per poll, its log growing as it goes. */
function scriptedRun(storyId) {
  const states = ['queued', 'preparing', 'running', 'running', 'pushing', 'succeeded'];
  const log = [
    '[worker] claimed run 1 attempt 1',
    '[git] cloned, checked out aipm/1-export-the-backlog-as-csv',
    '[agent] claude -p < TASK.md',
    '[agent] wrote src/export/csv.rs (+84 -0)',
    '[verify] cargo test: 12 passed',
    '[git] pushed 2 commits; commented on PR #7',
  ];
  let polls = 0;
  const base = {
    runId: 1, storyId, agent: 'claude', branchName: 'aipm/1-export-the-backlog-as-csv',
    prNumber: 7, prUrl: 'https://github.com/acme/shop/pull/7', attempt: 1,
    createdAt: '2026-11-26T10:00:00.000Z', startedAt: '2026-11-26T10:00:01.000Z', error: null,
  };
  return {
    created: () => ({ ...base, status: 'queued', finishedAt: null, summary: null, log: '' }),
    next() {
      polls = Math.min(polls + 1, states.length - 1);
      const status = states[polls];
      return {
        ...base, status,
        finishedAt: status === 'succeeded' ? '2026-11-26T10:03:12.000Z' : null,
        summary: status === 'succeeded'
          ? { agentExitCode: 0, commits: 2, filesChanged: 3, insertions: 84, deletions: 0, verify: { command: 'cargo test', exitCode: 0, passed: true } }
          : null,
        log: log.slice(0, polls + 1).join('\n'),
      };
    },
    get finished() { return polls === states.length - 1; },
  };
}

test('given a story, when I generate code, then the run shows live until it succeeded with its log, PR link and PR card', async (t) => {
  const { page, problems } = await open(t, { before: (a) => a.createStory(WELL_FORMED) });
  await withForge(page);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  const run = scriptedRun(1);
  let started = false;
  const pr = {
    number: 7, prUrl: 'https://api.github.com/repos/acme/shop/pulls/7', htmlUrl: 'https://github.com/acme/shop/pull/7',
    branchName: 'aipm/1-export-the-backlog-as-csv', repo: 'acme/shop', taskTitle: 'Export the backlog as CSV',
    createdAt: '2026-11-26T10:00:00.000Z', updatedAt: '2026-11-26T10:03:12.000Z', assignee: 'dev@example.com', state: 'open', runId: 1, version: 1,
  };
  let generateBody = null;
  await page.route('**/api/stories/1/runs', (route) => json(route, 200, started ? [run.next()] : []));
  await page.route('**/api/runs/1', (route) => json(route, 200, run.next()));
  await page.route('**/api/stories/1/generate-code', (route) => {
    generateBody = route.request().postDataJSON();
    started = true;
    return json(route, 202, { run: run.created(), pr: { ...pr, runStatus: 'queued' } });
  });
  await page.route('**/api/stories/1', async (route) => {
    const response = await route.fetch();
    const story = await response.json();
    story.prs = started ? [{ ...pr, runStatus: run.finished ? 'succeeded' : 'running' }] : [];
    return json(route, response.status(), story);
  });

  await openStory(page, 1);
  await page.locator('.runs-section').scrollIntoViewIfNeeded();
  assert.match(await page.locator('.runs-section').innerText(), /No run yet/);
  await page.click('#generate-code');
  const dialog = page.locator('dialog.generate-dialog');
  await dialog.locator('[name="agent"]').selectOption('claude');
  await dialog.locator('[name="instructions"]').fill('Keep the CSV columns in the export order.');
  await dialog.getByRole('button', { name: 'Generate' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.deepEqual(generateBody, { agent: 'claude', instructions: 'Keep the CSV columns in the export order.', acceptWarnings: false });

  // While it runs: the current step, the growing log, and Cancel.
  await page.locator('.run[data-status="running"]').waitFor();
  assert.equal(await page.locator('.run-step[aria-current="step"]').innerText(), 'Running');
  assert.equal(await page.getByRole('button', { name: 'Cancel run' }).count(), 1);

  await page.locator('.run[data-status="succeeded"]').waitFor({ timeout: 15000 });
  assert.equal(await page.locator('#run-status').innerText(), 'Succeeded');
  assert.match(await page.locator('.run-log').innerText(), /pushed 2 commits/);
  assert.equal(await page.locator('.run-facts a', { hasText: '#7' }).getAttribute('href'), 'https://github.com/acme/shop/pull/7');
  assert.equal(await page.getByRole('button', { name: 'Cancel run' }).count(), 0);
  await page.locator('.pr-card[data-pr="7"]').waitFor();
  assert.match(await page.locator('.pr-card[data-pr="7"]').innerText(), /PR #7[\s\S]*aipm\/1-export-the-backlog-as-csv/);
  await page.click('.panel-toggles [data-panel="center"]');
  await page.locator('.runs-section').scrollIntoViewIfNeeded();
  await screenshot(page, 'code-run');
  noProblems(problems);
});

test('given a run that failed, when I retry it and then cancel the new attempt, then each state shows', async (t) => {
  const { page, problems } = await open(t, { before: (a) => a.createStory(WELL_FORMED) });
  await withForge(page);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  const failed = {
    runId: 1, storyId: 1, agent: 'codex', status: 'failed', branchName: 'aipm/1-export', prNumber: 3,
    prUrl: 'https://github.com/acme/shop/pull/3', attempt: 3, createdAt: '2026-11-26T10:00:00.000Z',
    error: 'the agent exited with status 2', summary: null, log: 'error: no such file', finishedAt: '2026-11-26T10:01:00.000Z',
  };
  let current = failed;
  const calls = [];
  await page.route('**/api/stories/1/runs', (route) => json(route, 200, [current]));
  await page.route('**/api/runs/**', (route) => {
    const url = route.request().url();
    calls.push(`${route.request().method()} ${new URL(url).pathname}`);
    if (url.endsWith('/retry')) current = { ...failed, runId: 2, status: 'running', attempt: 1, error: null, log: '[agent] starting', createdAt: '2026-11-26T10:05:00.000Z' };
    if (url.endsWith('/cancel')) current = { ...current, status: 'cancelled', log: `${current.log}\n[worker] cancelled by user` };
    return json(route, url.match(/retry|cancel/) ? 202 : 200, current);
  });
  await openStory(page, 1);
  await page.locator('.run[data-status="failed"]').waitFor();
  assert.match(await page.locator('.run-facts').innerText(), /the agent exited with status 2/);
  await page.getByRole('button', { name: 'Retry' }).click();
  await page.locator('.run[data-status="running"]').waitFor();
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.locator('.run[data-status="cancelled"]').waitFor();
  assert.match(await page.locator('.run-log').innerText(), /cancelled by user/);
  assert.ok(calls.includes('POST /api/runs/1/retry'));
  assert.ok(calls.includes('POST /api/runs/2/cancel'));
  noProblems(problems);
});

const FAKE_AGENT = join(import.meta.dirname, '..', 'agent', 'fake_agent.py');

/** `aipm serve` running the fake agent, a project on a fresh local git
 * repository with one story, and that story open. */
async function openWithFakeAgent(t) {
  const repo = mkdtempSync(join(tmpdir(), 'aipm-forge-'));
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'init']);
  const { page, api, problems } = await open(t, {
    env: { AIPM_AGENT: 'custom', AIPM_AGENT_CMD: `python3 ${FAKE_AGENT} {task_file}` },
    before: async (a) => {
      const project = await a.post('/api/projects', { name: 'Shop', repository: repo });
      await a.createStory({ ...WELL_FORMED, projectId: project.id });
    },
  });
  await page.selectOption('#project-switcher', { label: 'Shop' });
  const [story] = await api.get('/api/stories?projectId=2');
  await openStory(page, story.id);
  return { page, problems };
}

test('given a project with a local repository, when I generate code with the fake agent, then the run reaches succeeded with its log visible', async (t) => {
  const { page, problems } = await openWithFakeAgent(t);
  await page.click('#generate-code');
  await page.locator('dialog.generate-dialog').getByRole('button', { name: 'Generate' }).click();
  await page.locator('.run[data-status="succeeded"]').waitFor({ timeout: 60000 });
  assert.notEqual((await page.locator('.run-log').innerText()).trim(), '');
  await page.locator('.pr-card').first().waitFor();
  await screenshot(page, 'code-run');
  noProblems(problems);
});

test('given an agent that reports its work as stream-json, when its run and a follow-up end, then the plan, activity, usage and attempts show', async (t) => {
  const { page, problems } = await openWithFakeAgent(t);
  await page.click('#generate-code');
  const dialog = page.locator('dialog.generate-dialog');
  await dialog.locator('[name="instructions"]').fill('fake-agent: stream-json');
  await dialog.getByRole('button', { name: 'Generate' }).click();
  await page.locator('.run[data-status="succeeded"]').waitFor({ timeout: 60000 });

  const plan = page.getByRole('list', { name: 'Agent plan' });
  assert.deepEqual(await plan.locator('.plan-step').evaluateAll((steps) => steps.map((s) => [s.dataset.status, s.textContent])), [
    ['completed', '✓done: Read the story'],
    ['completed', '✓done: Write feature.txt'],
    ['completed', '✓done: Check the result'],
  ]);
  const activity = page.getByRole('list', { name: 'Agent activity' });
  assert.equal(await activity.locator('.run-event').count(), 4);
  assert.match(await activity.locator('.run-event[data-kind="fileChange"]').innerText(), /edit feature\.txt/);
  assert.match(await activity.locator('.run-event[data-kind="toolCall"]').innerText(), /Bash cat feature\.txt/);
  assert.equal(await page.locator('.run-usage').innerText(), '2,048 in · 512 out tokens · $0.0123 · 4 turns');

  await page.getByRole('button', { name: 'Follow up' }).click();
  const follow = page.locator('dialog.follow-up-dialog');
  await follow.locator('[name="message"]').fill('fake-agent: stream-json');
  await follow.getByRole('button', { name: 'Start attempt' }).click();
  await follow.waitFor({ state: 'detached' });
  await page.locator('.run[data-status="succeeded"] .run-attempts li[data-attempt="2"]').waitFor({ timeout: 60000 });
  const attempts = page.getByRole('list', { name: 'Attempts' });
  assert.match(await attempts.locator('li[data-attempt="2"]').innerText(), /Attempt 2 · from you[\s\S]*fake-agent: stream-json/);
  assert.equal(await activity.locator('.run-event[data-attempt="2"]').count(), 4);
  assert.equal(await page.locator('.run-usage').innerText(), '4,096 in · 1,024 out tokens · $0.0246 · 8 turns');
  noProblems(problems);
});
