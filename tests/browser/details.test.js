// The details panel: editing with a version conflict, the quality warnings
// flow, acceptance tests, and deleting a subtree.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, screenshot } from './harness.js';
import { createStoryInDialog, noProblems, openStory, WELL_FORMED } from './flows.js';

test('given a story someone else changed, when I save my edit, then I see both changes and can overwrite or reload', async (t) => {
  const { page, api, problems } = await open(t, { before: (a) => a.createStory(WELL_FORMED) });
  await openStory(page, 1);
  const title = page.locator('.story-form [name="title"]');

  // Someone else changes the description while I edit the title.
  await title.fill('Export the whole backlog as CSV');
  await api.patch('/api/stories/1', { description: 'Changed in another tab' });
  await page.click('#save-story');

  const dialog = page.locator('dialog.conflict-dialog');
  await dialog.waitFor();
  const text = await dialog.innerText();
  assert.match(text, /you opened version 1; it is now at version 2/);
  assert.match(text, /Description[\s\S]*Changed in another tab/);
  assert.match(text, /Title[\s\S]*Export the whole backlog as CSV/);
  await dialog.getByRole('button', { name: 'Overwrite with mine' }).click();
  await page.locator('.toast', { hasText: 'Story #1 saved' }).waitFor();
  let saved = await api.get('/api/stories/1');
  assert.equal(saved.title, 'Export the whole backlog as CSV');
  assert.equal(saved.description, 'Changed in another tab', 'fields I did not touch keep their new value');

  // Again, and this time take theirs.
  await title.fill('My second title');
  await api.patch('/api/stories/1', { title: 'Their title' });
  await page.click('#save-story');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Reload theirs' }).click();
  await page.waitForFunction(() => document.querySelector('.story-form [name="title"]').value === 'Their title');
  saved = await api.get('/api/stories/1');
  assert.equal(saved.title, 'Their title');
  noProblems(problems);
});

test('given a vague story, when I create it, then INVEST warnings with suggestions show before saving and "save anyway" saves it', async (t) => {
  const { page, api, problems } = await open(t);
  await page.click('#new-root-story');
  const dialog = page.locator('dialog.create-story-dialog');
  await dialog.locator('[name="title"]').fill('Make search fast and user-friendly');
  await dialog.locator('[name="storyPoint"]').fill('13');
  await dialog.getByRole('button', { name: 'Create story' }).click();

  const gate = page.locator('dialog.quality-dialog');
  await gate.waitFor();
  const text = await gate.innerText();
  assert.match(text, /Nothing has been saved yet/);
  assert.match(text, /well-formed/i);
  assert.match(text, /Suggestion:/);
  assert.match(text, /13 story points make this an epic/);
  assert.equal((await api.get('/api/stories')).length, 0, 'nothing is saved while the warnings show');
  await screenshot(page, 'quality-warnings');

  // Keep editing returns to the form, untouched.
  await gate.getByRole('button', { name: 'Keep editing' }).click();
  await gate.waitFor({ state: 'detached' });
  assert.equal(await dialog.locator('[name="title"]').inputValue(), 'Make search fast and user-friendly');

  await dialog.getByRole('button', { name: 'Create story' }).click();
  await gate.getByRole('button', { name: 'Save anyway' }).click();
  await dialog.waitFor({ state: 'detached' });
  // (Refused attempts use up ids, so the story's id is read back.)
  const [story] = await api.get('/api/stories');
  await page.locator('#details-heading', { hasText: `Story #${story.id}` }).waitFor();

  // The story is saved with its warnings: tinted in the outline, listed in details.
  assert.ok(story.investWarnings.length > 0);
  await page.locator(`#story-tree [data-id="${story.id}"].has-issues`).waitFor();
  assert.match(await page.locator('.quality-section').innerText(), /warnings[\s\S]*Suggestion:/);
  noProblems(problems);
});

test('given a story, when I add a test whose Then cannot be measured, then the measurability warning shows and the test can be saved anyway', async (t) => {
  const { page, api, problems } = await open(t, { before: (a) => a.createStory(WELL_FORMED) });
  await openStory(page, 1);
  await page.click('#add-test');
  const form = page.locator('form.test-form');
  await form.getByRole('button', { name: 'Draft' }).click();
  await page.waitForFunction(() => document.querySelector('form.test-form [name="then"]').value.length > 0);
  await form.locator('[name="then"]').fill('it works well');
  await form.getByRole('button', { name: 'Add test' }).click();
  const gate = page.locator('dialog.quality-dialog');
  await gate.waitFor();
  assert.match(await gate.innerText(), /cannot be checked[\s\S]*Suggestion:/);
  await gate.getByRole('button', { name: 'Save anyway' }).click();
  await page.locator('.test-card').nth(1).waitFor();
  const tests = (await api.get('/api/stories/1')).acceptanceTests;
  assert.equal(tests.length, 2);
  assert.deepEqual(tests[1].then, ['it works well']);
  // The card shows the GWT health and its suggestion.
  assert.match(await page.locator('.test-card').nth(1).innerText(), /1 GWT issue/);

  // Status changes are saved at once.
  await page.locator('.test-card').nth(1).locator('select.test-status').selectOption('Pass');
  await page.locator('.toast', { hasText: 'is now Pass' }).waitFor();
  assert.equal((await api.get('/api/stories/1')).acceptanceTests[1].status, 'Pass');
  noProblems(problems);
});

test('given a story with children, when I delete it, then the confirmation says how many stories and tests go with it', async (t) => {
  const { page, api, problems } = await open(t, {
    before: async (a) => {
      await a.createStory(WELL_FORMED);
      await a.createStory({ title: 'Choose the columns', parentId: 1 });
      await a.createStory({ title: 'Keep the choice', parentId: 2 });
    },
  });
  await openStory(page, 1);
  await page.click('#delete-story');
  const dialog = page.locator('dialog', { hasText: 'Delete “Export the backlog as CSV”?' });
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /together with 2 child stories and 3 acceptance tests/);
  await dialog.getByRole('button', { name: 'Delete 3 stories' }).click();
  await page.locator('#empty-state').waitFor();
  assert.deepEqual(await api.get('/api/stories'), []);
  noProblems(problems);
});

test('given an unsaved edit, when I open another story, then I am asked before the edit is dropped', async (t) => {
  const { page, api, problems } = await open(t, {
    before: async (a) => {
      await a.createStory(WELL_FORMED);
      await a.createStory({ title: 'Another story' });
    },
  });
  await openStory(page, 1);
  await page.locator('.story-form [name="title"]').fill('An edit I have not saved');
  await page.locator('#story-tree [data-id="2"] > .tree-row').click();
  const dialog = page.locator('dialog', { hasText: 'Discard your changes to story #1?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await page.locator('.story-form [name="title"]').inputValue(), 'An edit I have not saved');
  assert.match(await page.locator('#details-heading').innerText(), /Story #1/);

  await page.locator('#story-tree [data-id="2"] > .tree-row').click();
  await dialog.getByRole('button', { name: 'Discard changes' }).click();
  await page.locator('#details-heading', { hasText: 'Story #2' }).waitFor();
  assert.equal((await api.get('/api/stories/1')).title, WELL_FORMED.title);
  noProblems(problems);
});
