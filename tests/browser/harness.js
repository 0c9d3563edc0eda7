// What every browser test needs: its own `aipm serve` on port 0 with a fresh
// data dir, its own Chromium with a fresh profile, a page that records page
// errors and console errors, a small API client, and screenshots.

import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, copyFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const AIPM = process.env.AIPM_BIN
  ?? join(process.env.CARGO_TARGET_DIR ?? join(REPO, 'target'), 'debug', 'aipm');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(REPO, 'tests', 'artifacts');
const DOC_SHOTS = join(REPO, 'docs', 'screenshots');

/** Start `aipm serve`; resolves once it printed its URL. */
export async function startServer(env = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'aipm-web-'));
  // The UI built into the binary, as users get it (AIPM_WEB_DIR, when set,
  // serves web/ from disk instead).
  const child = spawn(AIPM, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    env: { ...process.env, AIPM_LOG: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`aipm serve printed no URL in 20 s\n${stderr}`)), 20000);
    child.once('exit', (code) => fail(new Error(`aipm serve exited (${code})\n${stderr}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const found = /https?:\/\/\S+/.exec(line);
      if (found) ok(found[0].replace(/\/$/, ''));
      else fail(new Error(`unexpected first line: ${line}`));
    });
  });
  return {
    url,
    api: apiClient(url),
    async stop() {
      if (child.exitCode == null) {
        child.kill('SIGTERM');
        await new Promise((r) => { child.once('exit', r); setTimeout(r, 5000); });
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function apiClient(base) {
  const call = async (method, path, body, raw) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body !== undefined || raw ? { 'Content-Type': 'application/json' } : {},
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const error = new Error(`${method} ${path}: ${response.status} ${text}`);
      error.status = response.status;
      error.body = json;
      throw error;
    }
    return json;
  };
  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    patch: (path, body) => call('PATCH', path, body),
    del: (path) => call('DELETE', path),
    /** A backlog in one of the original AIPM's formats, from tests/fixtures/. */
    importFixture: async (name) => call('POST', '/api/import', undefined,
      await readFile(join(REPO, 'tests', 'fixtures', name), 'utf8')),
    createStory: (fields) => call('POST', '/api/stories', { acceptWarnings: true, ...fields }),
    flat: () => call('GET', '/api/stories?flat=true'),
  };
}

/** A fresh Chromium with its own profile, and a page that records errors. */
export async function startBrowser({ width = 1280, height = 800 } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'aipm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width, height },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // The API answers rule conflicts with 4xx (409 warnings, conflicts, the
    // Done gate): Chromium logs each as a failed resource. Those are the
    // flows under test; server faults (5xx) are caught below instead.
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) return;
    problems.push(`console error: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 500) problems.push(`server fault: ${response.status()} ${response.url()}`);
  });
  return {
    page,
    problems,
    async stop() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Save a screenshot to tests/artifacts/ and, when asked, to docs/screenshots/. */
export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  // Passing messages would cover the view; they are not what the picture shows.
  await page.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
  await page.mouse.move(1, 1); // no hover highlight on the last button clicked
  await page.screenshot({ path: file });
  if (process.env.AIPM_UPDATE_SCREENSHOTS === '1') {
    await mkdir(DOC_SHOTS, { recursive: true });
    await copyFile(file, join(DOC_SHOTS, `${name}.png`));
  }
  return file;
}

/** One test's world: server + browser + page at the app, stopped together. */
export async function open(t, { fixture, viewport, before, env } = {}) {
  const server = await startServer(env);
  const browser = await startBrowser(viewport);
  t.after(async () => {
    await browser.stop();
    await server.stop();
  });
  if (fixture) await server.api.importFixture(fixture);
  if (before) await before(server.api);
  await browser.page.goto(`${server.url}/`);
  await browser.page.waitForSelector('body[data-ready="true"]');
  return { server, api: server.api, page: browser.page, problems: browser.problems };
}
