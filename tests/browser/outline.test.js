// The outline: building a tree from the empty state, and moving through it
// with the keyboard.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, screenshot } from './harness.js';
import { createStoryInDialog, noProblems, WELL_FORMED } from './flows.js';

test('given an empty workspace, when I add a story, a child and a grandchild, then the outline shows a three-level tree', async (t) => {
  const { page, api, problems } = await open(t);

  // The empty state teaches the first step.
  await page.locator('#empty-state').waitFor();
  assert.match(await page.locator('#empty-state').innerText(), /Add the first story[\s\S]*import a backlog/i);
  await page.click('#empty-add-story');

  // Draft from an idea fills the form.
  const dialog = page.locator('dialog.create-story-dialog');
  await dialog.locator('[name="idea"]').fill('export the backlog as CSV');
  await dialog.getByRole('button', { name: 'Draft from idea' }).click();
  await page.waitForFunction(() => document.querySelector('dialog [name="title"]').value.length > 0);
  await createStoryInDialog(page, WELL_FORMED);
  await page.locator('#details-heading', { hasText: 'Story #1' }).waitFor();

  await page.click('#add-child');
  await createStoryInDialog(page, {
    title: 'Choose the CSV columns', asA: 'product owner',
    iWant: 'to pick which story fields go into the CSV file', soThat: 'the file holds only what stakeholders read',
  });
  await page.locator('#details-heading', { hasText: 'Story #2' }).waitFor();

  await page.click('#add-child');
  await createStoryInDialog(page, {
    title: 'Remember the chosen columns', asA: 'product owner',
    iWant: 'my column choice to be kept for the next export', soThat: 'I do not pick the columns again',
  });
  await page.locator('#details-heading', { hasText: 'Story #3' }).waitFor();

  const levels = await page.locator('#story-tree [role="treeitem"]').evaluateAll(
    (items) => items.map((li) => [Number(li.dataset.id), Number(li.getAttribute('aria-level'))]));
  assert.deepEqual(levels, [[1, 1], [2, 2], [3, 3]]);
  const tree = await api.get('/api/stories');
  assert.equal(tree[0].children[0].children[0].title, 'Remember the chosen columns');
  // Each new story came with a drafted acceptance test.
  assert.equal(tree[0].children[0].children[0].acceptanceTests.length, 1);
  noProblems(problems);
});

test('given an imported backlog, when I use the arrow keys in the outline, then focus moves and Enter opens the story', async (t) => {
  const { page, problems } = await open(t, { fixture: 'original-sqlite-export.json' });
  const first = page.locator('#story-tree [role="treeitem"]').first();
  await first.focus();
  assert.equal(await first.getAttribute('tabindex'), '0');

  await page.keyboard.press('ArrowRight'); // open the Lending desk epic
  assert.equal(await first.getAttribute('aria-expanded'), 'true');
  await page.keyboard.press('ArrowDown'); // its first child
  const focused = () => page.evaluate(() => document.activeElement.dataset.id);
  assert.equal(await focused(), '4');
  await page.keyboard.press('ArrowLeft'); // back to the parent
  assert.equal(await focused(), '1');
  await page.keyboard.press('ArrowLeft'); // close it
  assert.equal(await first.getAttribute('aria-expanded'), 'false');
  await page.keyboard.press('End');
  assert.equal(await focused(), '3');
  // Only one item is in the tab order.
  assert.equal(await page.locator('#story-tree [tabindex="0"]').count(), 1);

  await page.keyboard.press('Enter');
  await page.locator('#details-heading', { hasText: 'Story #3' }).waitFor();
  assert.equal(await page.locator('#story-tree [data-id="3"]').getAttribute('aria-selected'), 'true');

  await page.click('text=Expand all');
  assert.equal(await page.locator('#story-tree [role="treeitem"]').count(), 21);
  await page.click('text=Collapse all');
  assert.equal(await page.locator('#story-tree [role="treeitem"]').count(), 3);

  // The EPIC badge follows the one threshold: 13 points is an epic, 8 is not.
  await page.click('text=Expand all');
  assert.equal(await page.locator('#story-tree [data-id="1"] > .tree-row .badge-epic').count(), 1);
  assert.equal(await page.locator('#story-tree [data-id="5"] > .tree-row .badge-epic').count(), 0);

  await page.locator('#story-tree [data-id="4"] > .tree-row').click();
  await page.locator('#details-heading', { hasText: 'Story #4' }).waitFor();
  await screenshot(page, 'outline-details');
  noProblems(problems);
});
