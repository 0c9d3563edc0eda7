// The mindmap: every story not hidden is drawn, done subtrees can be hidden,
// nodes can be dragged into place (remembered), and the dependency overlay
// tells "depends" from "blocks".

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, screenshot } from './harness.js';
import { drag, noProblems } from './flows.js';

/** Stories whose whole subtree is Done, as "hide done" hides them. */
function countVisible(roots, hideDone) {
  let n = 0;
  const allDone = (s) => s.status === 'Done' && s.children.every(allDone);
  const walk = (s) => {
    if (hideDone && allDone(s)) return;
    n += 1;
    s.children.forEach(walk);
  };
  roots.forEach(walk);
  return n;
}

const nodeIds = (page) => page.locator('#mindmap .mm-node').evaluateAll((nodes) => nodes.map((n) => Number(n.dataset.id)));

test('given an imported backlog, when the mindmap shows, then every story not hidden is a node', async (t) => {
  const { page, api, problems } = await open(t, { fixture: 'original-api-backup.json' });
  await page.click('#tab-mindmap');
  const tree = await api.get('/api/stories');
  const all = (await api.flat()).map((s) => s.id).sort((a, b) => a - b);
  assert.deepEqual((await nodeIds(page)).sort((a, b) => a - b), all);

  await page.click('[data-pref="hideDone"]');
  const expected = countVisible(tree, true);
  assert.equal(all.length - expected, 6, 'the fixture has two done subtrees of three stories');
  assert.equal((await nodeIds(page)).length, expected);
  assert.equal(await page.locator('#mindmap .mm-node.st-done').count() <= all.length - expected, true);

  // The choice is remembered across a reload.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal((await nodeIds(page)).length, expected);
  await page.click('[data-pref="hideDone"]');
  assert.equal((await nodeIds(page)).length, all.length);
  noProblems(problems);
});

test('given the mindmap, when I drag a node, then it stays where I put it after a reload, and a click opens it', async (t) => {
  const { page, problems } = await open(t, { fixture: 'original-sqlite-export.json' });
  const node = page.locator('#mindmap .mm-node[data-id="2"]');
  const before = await node.getAttribute('transform');
  const box = await node.boundingBox();
  await page.mouse.move(box.x + 30, box.y + 20);
  await page.mouse.down();
  await page.mouse.move(box.x + 60, box.y + 90, { steps: 8 });
  await page.mouse.up();
  const moved = await node.getAttribute('transform');
  assert.notEqual(moved, before);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.locator('#mindmap .mm-node[data-id="2"]').getAttribute('transform'), moved);

  // Keyboard: the focused node moves with the arrows; Enter opens it.
  await page.locator('#mindmap .mm-node[data-id="2"]').click();
  await page.locator('#details-heading', { hasText: 'Story #2' }).waitFor();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await page.locator('#details-heading', { hasText: 'Story #7' }).waitFor(); // its first child

  // Zoom and pan move the whole map, not the stories.
  const viewport = page.locator('#mindmap .mm-viewport');
  const zoomed = await viewport.getAttribute('transform');
  await page.getByRole('button', { name: 'Zoom in' }).click();
  assert.notEqual(await viewport.getAttribute('transform'), zoomed);
  const panned = await viewport.getAttribute('transform');
  const [x, y] = await page.evaluate(() => { // a point on the background
    const r = document.getElementById('mindmap').getBoundingClientRect();
    for (let py = r.bottom - 10; py > r.top; py -= 15) {
      for (let px = r.right - 10; px > r.left; px -= 15) {
        if (document.elementFromPoint(px, py)?.id === 'mindmap') return [px, py];
      }
    }
    return null;
  });
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x - 100, y - 40, { steps: 6 });
  await page.mouse.up();
  assert.notEqual(await viewport.getAttribute('transform'), panned);
  assert.equal(await page.locator('#mindmap .mm-node[data-id="2"]').getAttribute('transform'), moved);

  // Reset layout forgets the dragged positions.
  await page.click('text=Reset layout');
  assert.equal(await page.locator('#mindmap .mm-node[data-id="2"]').getAttribute('transform'), before);
  noProblems(problems);
});

test('given linked stories, when the dependency overlay is on, then depends and blocks links are drawn apart', async (t) => {
  const { page, api, problems } = await open(t, { fixture: 'original-sqlite-export.json' });
  const stories = await api.flat();
  const links = stories.flatMap((s) => s.dependencies);
  assert.equal(await page.locator('#mindmap .mm-dep').count(), 0, 'the overlay starts off');
  await page.click('[data-pref="showDependencies"]');
  const depends = links.filter((l) => l.relationship === 'depends').length;
  const blocks = links.filter((l) => l.relationship === 'blocks').length;
  assert.deepEqual([depends, blocks], [6, 2], 'the fixture has links of both kinds');
  assert.equal(await page.locator('#mindmap .mm-dep.dep-depends').count(), depends);
  assert.equal(await page.locator('#mindmap .mm-dep.dep-blocks').count(), blocks);
  await page.locator('#mindmap .mm-node[data-id="6"]').click();
  await page.locator('#details-heading', { hasText: 'Story #6' }).waitFor();
  await page.click('.panel-toggles [data-panel="details"]');
  await page.click('text=Reset layout');
  await screenshot(page, 'mindmap');
  noProblems(problems);
});
