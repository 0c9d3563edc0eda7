// A story's tasks: title, assignee, estimate and status; add, change status,
// delete. Each write carries the task's version.

import { h, field } from './el.js';
import * as api from './api.js';
import * as store from './store.js';
import { TASK_STATUSES } from './rules.js';
import { confirmDialog } from './dialogs.js';
import { toast, toastError } from './toast.js';

async function write(action, what, message) {
  try {
    await action();
    if (message) toast(message);
  } catch (error) {
    toastError(error, what);
  }
  await store.refresh();
}

function taskRow(task) {
  const status = h('select', { 'aria-label': `Status of task ${task.title}` },
    TASK_STATUSES.map((s) => h('option', { value: s, selected: s === task.status }, s)));
  status.addEventListener('change', () => write(
    () => api.updateTask(task.id, { status: status.value }, task.version),
    'Changing the task failed', `Task “${task.title}” is now ${status.value}.`));
  const remove = async () => {
    if (!(await confirmDialog({ title: 'Delete this task?', message: `“${task.title}” is deleted for good.`, confirmLabel: 'Delete task', danger: true }))) return;
    await write(() => api.deleteTask(task.id, task.version), 'Deleting the task failed', 'Task deleted.');
  };
  return h('li', { class: `task-row${task.status === 'Done' ? ' task-done' : ''}` },
    h('div', { class: 'task-main' },
      h('span', { class: 'task-title' }, task.title),
      h('span', { class: 'muted task-meta' },
        task.assigneeEmail, task.estimationHours != null ? ` · ${task.estimationHours} h` : '')),
    status,
    h('button', { type: 'button', class: 'small ghost danger', 'aria-label': `Delete task ${task.title}`, onclick: remove }, '×'));
}

function addForm(story, close) {
  const title = h('input', { name: 'title', required: true, autocomplete: 'off' });
  const assignee = h('input', { name: 'assigneeEmail', type: 'email', required: true, value: story.assigneeEmail || '' });
  const hours = h('input', { name: 'estimationHours', type: 'number', min: 0, step: 0.5 });
  const form = h('form', { class: 'task-form', 'aria-label': 'New task' },
    field('Task', title),
    h('div', { class: 'field-row' }, field('Assignee e-mail', assignee), field('Estimate (hours)', hours)),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'primary small' }, 'Add task'),
      h('button', { type: 'button', class: 'small', onclick: close }, 'Cancel')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { title: title.value.trim(), assigneeEmail: assignee.value.trim() };
    if (hours.value !== '') body.estimationHours = Number(hours.value);
    write(() => api.createTask(story.id, body), 'Adding the task failed', 'Task added.');
  });
  return form;
}

export function tasksSection(story) {
  const slot = h('div');
  const add = h('button', { type: 'button', class: 'small', id: 'add-task' }, '+ Task');
  add.addEventListener('click', () => {
    slot.replaceChildren(addForm(story, () => { slot.replaceChildren(); add.focus(); }));
    slot.querySelector('input')?.focus();
  });
  const done = story.tasks.filter((t) => t.status === 'Done').length;
  return h('section', { class: 'detail-section', 'aria-labelledby': 'tasks-heading' },
    h('div', { class: 'section-head' },
      h('h3', { id: 'tasks-heading' }, 'Tasks'),
      h('span', { class: 'muted' }, `${done}/${story.tasks.length} done`),
      h('span', { class: 'toolbar-spacer' }), add),
    story.tasks.length ? h('ul', { class: 'task-list' }, story.tasks.map(taskRow)) : null,
    slot);
}
