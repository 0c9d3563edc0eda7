// Steps several browser tests share, written the way a user does them.

import assert from 'node:assert/strict';

/** Fill the "New story" dialog and create; `anyway` accepts INVEST warnings. */
export async function createStoryInDialog(page, fields, { anyway = true } = {}) {
  const dialog = page.locator('dialog.create-story-dialog');
  await dialog.waitFor();
  for (const [name, value] of Object.entries(fields)) {
    await dialog.locator(`[name="${name}"]`).fill(String(value));
  }
  await dialog.getByRole('button', { name: 'Create story' }).click();
  const gate = page.locator('dialog.quality-dialog');
  const outcome = await Promise.race([
    dialog.waitFor({ state: 'detached' }).then(() => 'created'),
    gate.waitFor().then(() => 'warnings'),
  ]);
  if (outcome === 'warnings') {
    assert.ok(anyway, `unexpected INVEST warnings: ${await gate.innerText()}`);
    await gate.getByRole('button', { name: 'Save anyway' }).click();
    await dialog.waitFor({ state: 'detached' });
  }
}

/** Open a story by clicking it in the outline (opening its ancestors first). */
export async function openStory(page, id) {
  await page.evaluate((storyId) => { location.hash = `#story-${storyId}`; }, id);
  await page.locator('#details-heading', { hasText: `Story #${id}` }).waitFor();
  await page.locator('.details-body').waitFor();
}

export const WELL_FORMED = {
  title: 'Export the backlog as CSV',
  asA: 'product owner',
  iWant: 'to download the backlog as a CSV file',
  soThat: 'I can share it with stakeholders',
};

/** Press a pointer on one element and release it over another, in steps. */
export async function drag(page, from, to) {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 10, a.y + a.height / 2 + 10, { steps: 3 });
  await page.mouse.move(b.x + b.width / 2, b.y + Math.min(b.height / 2, 120), { steps: 12 });
  await page.mouse.up();
}

export function noProblems(problems) {
  assert.deepEqual(problems, [], 'the page logged errors');
}
