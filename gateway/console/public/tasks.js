// The task list (the contract's filters, sort and cursor paging), create, edit with If-Match,
// complete and delete.
import { request } from "./api.js";
import { toApi, toInput, toText } from "./dates.js";
import { clear, showProblem, showText } from "./messages.js";

const STATUS_TEXT = { todo: "To do", in_progress: "In progress", done: "Done" };

const $ = (id) => document.getElementById(id);
const list = $("task-list");
const listState = $("list-state");
const message = $("message");
const dialog = $("edit-dialog");
const editForm = $("edit-form");
const editMessage = $("edit-message");

// Cursors of the pages seen so far: the last one is the page shown (null = the first page).
let cursors = [null];
let nextCursor = null;
let editing = null; // {id, etag} of the task in the edit dialog

export function setUpTasks() {
  $("create-form").addEventListener("submit", onCreate);
  $("filter-form").addEventListener("submit", (event) => {
    event.preventDefault();
    cursors = [null];
    loadPage();
  });
  $("next-page").addEventListener("click", () => {
    cursors.push(nextCursor);
    loadPage();
  });
  $("previous-page").addEventListener("click", () => {
    cursors.pop();
    loadPage();
  });
  editForm.addEventListener("submit", onSave);
  $("edit-cancel").addEventListener("click", () => dialog.close());
  $("edit-reload").addEventListener("click", () => openEditor(editing.id));
}

function query() {
  const form = new FormData($("filter-form"));
  const params = new URLSearchParams();
  for (const status of form.getAll("status")) params.append("status", status);
  const q = form.get("q").trim();
  if (q) params.set("q", q);
  for (const name of ["due_after", "due_before"]) {
    const value = toApi(form.get(name));
    if (value) params.set(name, value);
  }
  params.set("sort", form.get("sort"));
  params.set("limit", form.get("limit"));
  const cursor = cursors[cursors.length - 1];
  if (cursor) params.set("cursor", cursor);
  return params;
}

export async function loadPage() {
  listState.textContent = "Loading tasks…";
  try {
    const { body } = await request("GET", `/tasks?${query()}`);
    nextCursor = body.next_cursor;
    render(body.items);
    const page = cursors.length;
    listState.textContent = body.items.length
      ? `Page ${page}: ${body.items.length} task${body.items.length === 1 ? "" : "s"}`
      : page === 1 ? "No tasks match." : `Page ${page}: no more tasks.`;
  } catch (error) {
    listState.textContent = "The tasks could not be loaded.";
    showProblem(message, error);
  }
  $("next-page").disabled = !nextCursor;
  $("previous-page").disabled = cursors.length === 1;
}

function render(tasks) {
  list.replaceChildren(...tasks.map(taskItem));
}

function taskItem(task) {
  const item = document.createElement("li");
  item.className = `task status-${task.status}`;
  item.dataset.taskId = task.id;
  const title = document.createElement("h3");
  title.textContent = task.title;
  const facts = document.createElement("p");
  facts.className = "facts";
  facts.textContent = [
    STATUS_TEXT[task.status] || task.status,
    task.due_date ? `due ${toText(task.due_date)}` : "no due date",
    task.completed_at ? `completed ${toText(task.completed_at)}` : "",
  ].filter(Boolean).join(" · ");
  item.append(title, facts);
  if (task.description) {
    const description = document.createElement("p");
    description.textContent = task.description;
    item.append(description);
  }
  const actions = document.createElement("div");
  actions.className = "actions";
  actions.append(
    button("Edit", task, () => openEditor(task.id)),
    button("Complete", task, () => complete(task), task.status === "done"),
    button("Delete", task, () => remove(task)),
  );
  item.append(actions);
  return item;
}

function button(text, task, onClick, disabled = false) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = text;
  element.setAttribute("aria-label", `${text} “${task.title}”`);
  element.disabled = disabled;
  element.addEventListener("click", onClick);
  return element;
}

async function onCreate(event) {
  event.preventDefault();
  const form = event.target;
  const data = new FormData(form);
  const body = { title: data.get("title").trim() };
  if (data.get("description").trim()) body.description = data.get("description");
  const due = toApi(data.get("due_date"));
  if (due) body.due_date = due;
  try {
    // One key per submitted form: a retried submit cannot create the task twice.
    const { body: task } = await request("POST", "/tasks", {
      body,
      headers: { "Idempotency-Key": crypto.randomUUID() },
    });
    form.reset();
    showText(message, `Created “${task.title}”.`);
    cursors = [null];
    await loadPage();
  } catch (error) {
    showProblem(message, error);
  }
}

async function openEditor(id) {
  clear(editMessage);
  $("edit-reload").hidden = true;
  try {
    const { body: task, etag } = await request("GET", `/tasks/${id}`);
    editing = { id, etag };
    editForm.elements.title.value = task.title;
    editForm.elements.description.value = task.description || "";
    editForm.elements.status.value = task.status;
    editForm.elements.due_date.value = toInput(task.due_date);
    if (!dialog.open) dialog.showModal();
  } catch (error) {
    showProblem(dialog.open ? editMessage : message, error);
  }
}

async function onSave(event) {
  event.preventDefault();
  const form = editForm.elements;
  const body = {
    title: form.title.value.trim(),
    description: form.description.value || null,
    status: form.status.value,
    due_date: toApi(form.due_date.value),
  };
  try {
    await request("PATCH", `/tasks/${editing.id}`, { body, headers: { "If-Match": editing.etag } });
    dialog.close();
    showText(message, `Saved “${body.title}”.`);
    await loadPage();
  } catch (error) {
    if (error.status === 412 || error.status === 409) {
      showText(
        editMessage,
        `Not saved: this task was changed elsewhere after you opened it (HTTP ${error.status}). ` +
          "Load the current version, then make your change again.",
      );
      $("edit-reload").hidden = false;
    } else {
      showProblem(editMessage, error);
    }
  }
}

async function complete(task) {
  try {
    await request("POST", `/tasks/${task.id}/complete`);
    showText(message, `Completed “${task.title}”.`);
    await loadPage();
  } catch (error) {
    showProblem(message, error);
  }
}

async function remove(task) {
  if (!window.confirm(`Delete “${task.title}”?`)) return;
  try {
    await request("DELETE", `/tasks/${task.id}`);
    showText(message, `Deleted “${task.title}”.`);
    await loadPage();
  } catch (error) {
    showProblem(message, error);
  }
}

export function clearTasks() {
  list.replaceChildren();
  cursors = [null];
  nextCursor = null;
}
