// The workspace: the header's facts, panel toggles remembered across
// reloads, a narrow window showing one panel at a time, and the keyboard
// reaching everything with a visible focus.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open } from './harness.js';
import { noProblems, openStory } from './flows.js';

test('given the header, when the page loads, then it shows the project, the version and a green health dot', async (t) => {
  const { page, api, problems } = await open(t);
  const version = await api.get('/api/version');
  await page.locator('#build-info', { hasText: version.version }).waitFor();
  assert.match(await page.locator('#build-info').innerText(), new RegExp(version.commit));
  await page.locator('#health[data-status="ok"]').waitFor();
  assert.equal(await page.locator('#project-switcher option:checked').innerText(), 'Default');
  noProblems(problems);
});

test('given two projects, when I switch project, then the tree shows that project only', async (t) => {
  const { page, problems } = await open(t, {
    before: async (a) => {
      await a.createStory({ title: 'A story of the default project' });
      const project = await a.post('/api/projects', { name: 'Mobile app' });
      await a.createStory({ title: 'A story of the mobile app', projectId: project.id });
    },
  });
  await page.locator('#story-tree', { hasText: 'A story of the default project' }).waitFor();
  await page.selectOption('#project-switcher', { label: 'Mobile app' });
  await page.locator('#story-tree', { hasText: 'A story of the mobile app' }).waitFor();
  assert.equal(await page.locator('#story-tree [role="treeitem"]').count(), 1);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.locator('#project-switcher option:checked').innerText(), 'Mobile app');
  noProblems(problems);
});

test('given the panel toggles, when I hide panels and reload, then the same panels are hidden', async (t) => {
  const { page, problems } = await open(t, { fixture: 'original-sqlite-export.json' });
  await page.click('.panel-toggles [data-panel="outline"]');
  await page.click('#tab-board');
  assert.equal(await page.locator('#outline-panel').isHidden(), true);
  assert.equal(await page.locator('.panel-toggles [data-panel="outline"]').getAttribute('aria-pressed'), 'false');
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.locator('#outline-panel').isHidden(), true);
  assert.equal(await page.locator('#view-board').isVisible(), true, 'the board is still the chosen view');
  await page.click('.panel-toggles [data-panel="outline"]');
  assert.equal(await page.locator('#outline-panel').isVisible(), true);
  noProblems(problems);
});

test('given a narrow window, when I pick a story, then one panel shows at a time and the details open', async (t) => {
  const { page, problems } = await open(t, { fixture: 'original-sqlite-export.json', viewport: { width: 420, height: 800 } });
  const visible = async () => (await Promise.all(['outline', 'center', 'details'].map(async (p) =>
    [p, await page.locator(`.panel-toggles [data-panel="${p}"]`).getAttribute('aria-pressed')])))
    .filter(([, pressed]) => pressed === 'true').map(([p]) => p);
  assert.deepEqual(await visible(), ['outline']);
  assert.equal(await page.locator('#center-panel').isHidden(), true);
  await page.locator('#story-tree [data-id="2"] > .tree-row').click();
  await page.locator('#details-heading', { hasText: 'Story #2' }).waitFor();
  assert.deepEqual(await visible(), ['details']);
  assert.equal(await page.locator('#outline-panel').isHidden(), true);
  // Nothing sticks out sideways.
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);
  noProblems(problems);
});

test('given the keyboard only, when I tab through the page, then every stop is labelled and shows a focus ring', async (t) => {
  const { page, problems } = await open(t, { fixture: 'original-sqlite-export.json' });
  await openStory(page, 4);
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !el.labels?.length && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(unlabelled, [], 'every input has a label');
  const stops = [];
  for (let i = 0; i < 40; i += 1) {
    await page.keyboard.press('Tab');
    stops.push(await page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
      const row = el.matches('[role="treeitem"]') && getComputedStyle(el.querySelector('.tree-row')).outlineStyle !== 'none';
      const name = el.getAttribute('aria-label') || el.labels?.[0]?.innerText || el.innerText || el.getAttribute('title') || '';
      return { tag: el.tagName, name: name.trim().slice(0, 40), focusVisible: ring || row || el.matches('.mm-node') };
    }));
  }
  assert.deepEqual(stops.filter((s) => !s.name), [], 'every focus stop has a name');
  assert.deepEqual(stops.filter((s) => !s.focusVisible), [], 'every focus stop shows where focus is');
  noProblems(problems);
});
