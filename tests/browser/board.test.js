// The Kanban board: columns with counts, dragging a card changes the status,
// and the Done gate's refusal names what blocks it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, screenshot } from './harness.js';
import { drag, noProblems, WELL_FORMED } from './flows.js';

const count = async (page, status) =>
  Number(await page.locator(`.board-column[data-status="${status}"] .column-count`).innerText());

test('given the board, when I drag a Draft card to In Progress, then the story is In Progress and the counts follow', async (t) => {
  const { page, api, problems } = await open(t, { fixture: 'original-sqlite-export.json' });
  await page.click('#tab-board');
  const columns = await page.locator('.board-column h3').allInnerTexts();
  assert.deepEqual(columns.map((c) => c.toLowerCase()), ['draft', 'ready', 'in progress', 'blocked', 'done']);
  const stories = await api.flat();
  // Each column counts the stories it holds; the fixture fills every column.
  const holds = { Draft: ['Draft'], Ready: ['Ready', 'Approved'], 'In Progress': ['In Progress'], Blocked: ['Blocked'], Done: ['Done'] };
  for (const [column, statuses] of Object.entries(holds)) {
    const n = stories.filter((s) => statuses.includes(s.status)).length;
    assert.ok(n > 0, `the fixture has stories for ${column}`);
    assert.equal(await count(page, column), n, column);
  }
  const drafts = await count(page, 'Draft');
  const progress = await count(page, 'In Progress');

  assert.equal((await api.get('/api/stories/6')).status, 'Draft');
  const card = page.locator('.board-column[data-status="Draft"] .card[data-id="6"]');
  await drag(page, card, page.locator('.board-column[data-status="In Progress"] .column-cards'));
  await page.locator('.board-column[data-status="In Progress"] .card[data-id="6"]').waitFor();
  assert.equal((await api.get('/api/stories/6')).status, 'In Progress');
  assert.equal(await count(page, 'Draft'), drafts - 1);
  assert.equal(await count(page, 'In Progress'), progress + 1);

  // And back with the keyboard: Shift+← moves the focused card one column left.
  await page.locator('.card[data-id="6"]').focus();
  await page.keyboard.press('Shift+ArrowLeft');
  await page.locator('.board-column[data-status="Ready"] .card[data-id="6"]').waitFor();
  assert.equal((await api.get('/api/stories/6')).status, 'Ready');

  await page.locator('.card[data-id="17"]').click();
  await page.locator('#details-heading', { hasText: 'Story #17' }).waitFor();
  await page.click('.panel-toggles [data-panel="outline"]');
  await screenshot(page, 'board');
  noProblems(problems);
});

test('given a story with an unfinished child and an unpassed test, when I drag it to Done, then the refusal names the child and the test', async (t) => {
  const { page, api, problems } = await open(t, {
    before: async (a) => {
      await a.createStory(WELL_FORMED);
      await a.createStory({ title: 'Choose the CSV columns', parentId: 1 });
    },
  });
  await page.click('#tab-board');
  // Make room for all five columns: hide the outline.
  await page.click('.panel-toggles [data-panel="outline"]');
  await drag(page, page.locator('.card[data-id="1"]'), page.locator('.board-column[data-status="Done"] .column-cards'));

  const dialog = page.locator('dialog.done-gate-dialog');
  await dialog.waitFor();
  const text = await dialog.innerText();
  assert.match(text, /cannot be Done yet/);
  assert.match(text, /1 child story is not Done[\s\S]*#2 Choose the CSV columns/);
  const test1 = (await api.get('/api/stories/1')).acceptanceTests[0];
  assert.match(text, new RegExp(`acceptance test does not pass[\\s\\S]*${test1.title}`));
  assert.equal((await api.get('/api/stories/1')).status, 'Draft', 'the story stays where it was');
  assert.equal(await page.locator('.board-column[data-status="Done"] .card').count(), 0);

  // The named child opens from the dialog.
  await dialog.getByRole('button', { name: '#2 Choose the CSV columns' }).click();
  await page.locator('#details-heading', { hasText: 'Story #2' }).waitFor();
  noProblems(problems);
});
