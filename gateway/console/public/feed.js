// The live notification feed: GET /notifications/stream (Server-Sent Events) read with
// eventsource-client, which runs on fetch, so the request carries the Bearer header (the
// browser's EventSource cannot send one) and resumes with Last-Event-ID after a drop.
import { createEventSource } from "eventsource-client";
import { authorizedFetch, problemOf } from "./api.js";
import { toText } from "./dates.js";

const feed = document.getElementById("feed");
const state = document.getElementById("feed-state");
const KEPT = 50;

let source = null;

// Only a working stream counts as connected; a problem answer is shown and retried later.
async function streamFetch(url, init) {
  const response = await authorizedFetch(url, init);
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok || !type.startsWith("text/event-stream")) {
    const problem = await problemOf(response);
    setState("error", `Live feed unavailable: ${problem.message} (HTTP ${problem.status}); retrying.`);
    throw problem;
  }
  return response;
}

function setState(name, text) {
  state.dataset.state = name;
  state.textContent = text;
}

export function startFeed() {
  stopFeed();
  setState("connecting", "Connecting…");
  source = createEventSource({
    url: "/notifications/stream",
    fetch: streamFetch,
    // Called only once streamFetch has accepted the response.
    onConnect: () => setState("live", "Live"),
    onDisconnect: () => setState("connecting", "Reconnecting…"),
    // Unnamed events are notifications; the server's last event before it closes the stream
    // is named `end` (token expired, session ended, shutting down): the client reconnects with a
    // renewed token, or finds the session over.
    onMessage: ({ event, data }) => {
      if (event === "end") setState("connecting", `Reconnecting… (${JSON.parse(data).reason})`);
      else if (data) show(JSON.parse(data));
    },
  });
}

export function stopFeed() {
  if (source) source.close();
  source = null;
  feed.replaceChildren();
  setState("off", "Not connected");
}

function show(notification) {
  const item = document.createElement("li");
  item.dataset.taskId = notification.task_id || "";
  item.dataset.type = notification.type;
  const text = document.createElement("span");
  text.textContent = notification.message || `${notification.type}: ${notification.title}`;
  const when = document.createElement("time");
  when.dateTime = notification.created_at;
  when.textContent = toText(notification.created_at);
  item.append(text, " ", when);
  feed.prepend(item);
  while (feed.children.length > KEPT) feed.lastElementChild.remove();
}
