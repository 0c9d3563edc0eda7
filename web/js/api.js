// The AIPM API client: one function per operation (docs/openapi.yaml), JSON
// in and out, errors as ApiError carrying the API's code and details. The
// base URL comes from config.js (per stage); an API token, when the server
// asks for one, is kept in localStorage.

const TOKEN_KEY = 'aipm.apiToken';

function baseUrl() {
  const configured = globalThis.AIPM_CONFIG?.apiBaseUrl ?? '';
  return String(configured).replace(/\/+$/, '');
}

export class ApiError extends Error {
  constructor(status, body, fallbackMessage) {
    super(body?.message || fallbackMessage || `request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body?.code ?? null;
    this.details = body?.details ?? null;
    this.warnings = body?.warnings ?? body?.details?.warnings ?? [];
    this.suggestions = body?.suggestions ?? body?.details?.suggestions ?? [];
    this.requestId = body?.requestId ?? null;
  }

  /** INVEST or measurability warnings that `acceptWarnings` overrides. */
  get isQualityGate() {
    return this.code === 'INVEST_WARNINGS' || this.code === 'MEASURABILITY_WARNINGS';
  }
}

export function apiToken() {
  return localStorage.getItem(TOKEN_KEY) || '';
}

export function setApiToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

function url(path, query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v != null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return `${baseUrl()}${path}${qs ? `?${qs}` : ''}`;
}

async function request(method, path, { body, query, raw, contentType } = {}) {
  const headers = { Accept: 'application/json' };
  const token = apiToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (raw != null) {
    payload = raw;
    headers['Content-Type'] = contentType ?? 'application/json';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(url(path, query), { method, headers, body: payload });
  } catch (cause) {
    throw new ApiError(0, null, `cannot reach the AIPM API (${cause.message})`);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) throw new ApiError(response.status, json, text.slice(0, 200));
  return json ?? text;
}

const withVersion = (version) => (version == null ? {} : { version });

// ---- meta and projects ----
export const version = () => request('GET', '/api/version');
export const health = () => request('GET', '/api/health');
export const projects = () => request('GET', '/api/projects');
export const createProject = (fields) => request('POST', '/api/projects', { body: fields });

// ---- stories ----
export const storyTree = (projectId) => request('GET', '/api/stories', { query: { projectId } });
export const story = (id) => request('GET', `/api/stories/${id}`);
export const createStory = (fields, { acceptWarnings = false } = {}) =>
  request('POST', '/api/stories', { body: { ...fields, acceptWarnings } });
export const updateStory = (id, changes, { version: v, acceptWarnings = false } = {}) =>
  request('PATCH', `/api/stories/${id}`, { body: { ...changes, ...withVersion(v), acceptWarnings } });
export const deleteStory = (id, v) =>
  request('DELETE', `/api/stories/${id}`, { query: { version: v } });
export const checkStory = (id, { includeAiInvest = false } = {}) =>
  request('POST', `/api/stories/${id}/health-check`, { body: { includeAiInvest } });
export const draftStory = (idea, parentId) =>
  request('POST', '/api/stories/draft', { body: { idea, parentId: parentId ?? null } });

// ---- acceptance tests ----
export const createTest = (storyId, fields, { acceptWarnings = false } = {}) =>
  request('POST', `/api/stories/${storyId}/tests`, { body: { ...fields, acceptWarnings } });
export const updateTest = (id, changes, { version: v, acceptWarnings = false } = {}) =>
  request('PATCH', `/api/tests/${id}`, { body: { ...changes, ...withVersion(v), acceptWarnings } });
export const deleteTest = (id, v) => request('DELETE', `/api/tests/${id}`, { body: withVersion(v) });
export const draftTest = (storyId, idea) =>
  request('POST', `/api/stories/${storyId}/tests/draft`, { body: { idea } });

// ---- tasks ----
export const createTask = (storyId, fields) =>
  request('POST', `/api/stories/${storyId}/tasks`, { body: fields });
export const updateTask = (id, changes, v) =>
  request('PATCH', `/api/tasks/${id}`, { body: { ...changes, ...withVersion(v) } });
export const deleteTask = (id, v) => request('DELETE', `/api/tasks/${id}`, { body: withVersion(v) });

// ---- dependencies ----
export const addDependency = (storyId, dependsOnStoryId, relationship) =>
  request('POST', `/api/stories/${storyId}/dependencies`, { body: { dependsOnStoryId, relationship } });
export const removeDependency = (storyId, dependsOnId) =>
  request('DELETE', `/api/stories/${storyId}/dependencies/${dependsOnId}`);

// ---- export and import ----
export const exportBacklog = async (projectId, format) => {
  const headers = {};
  const token = apiToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(url('/api/export', { projectId, format }), { headers });
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new ApiError(response.status, body);
  }
  return response.blob();
};
export const importBacklog = (projectId, text, contentType) =>
  request('POST', '/api/import', { query: { projectId }, raw: text, contentType });

// ---- code generation ----
export const generateCode = (storyId, { agent, instructions, acceptWarnings = false } = {}) =>
  request('POST', `/api/stories/${storyId}/generate-code`, {
    body: { ...(agent ? { agent } : {}), ...(instructions ? { instructions } : {}), acceptWarnings },
  });
export const storyRuns = (storyId) => request('GET', `/api/stories/${storyId}/runs`);
export const run = (runId) => request('GET', `/api/runs/${runId}`);
export const cancelRun = (runId) => request('POST', `/api/runs/${runId}/cancel`);
export const retryRun = (runId) => request('POST', `/api/runs/${runId}/retry`);
export const followUpRun = (runId, message) => request('POST', `/api/runs/${runId}/follow-up`, { body: { message } });
export const storyPrs = (storyId) => request('GET', `/api/stories/${storyId}/prs`);
export const stopTrackingPr = (storyId, number, { close = false } = {}) =>
  request('DELETE', `/api/stories/${storyId}/prs/${number}`, { query: { close: close ? 'true' : null } });
export const mergePr = (storyId, number) =>
  request('POST', `/api/stories/${storyId}/prs/${number}/merge`);
