// The live stream (GET /api/v1/live) read with fetch(), not EventSource: EventSource cannot
// send an Authorization header, and a token in the URL would end up in access logs and
// browser history. So the stream is parsed here, and reconnects after a pause.

import { authHeaders } from "./api.js";

const RETRY_MS = [1000, 2000, 5000, 10000];

/**
 * Open the stream with `params` (types, site, kind) and call `onMessage({event, id, data})`
 * for each message; `onState("open" | "retrying" | "refused")` says how the connection is.
 * Returns a function that closes it for good.
 */
export function openLive(params, onMessage, onState = () => {}) {
  const controller = new AbortController();
  let lastId = null;
  let attempt = 0;

  async function connect() {
    while (!controller.signal.aborted) {
      try {
        const headers = { Accept: "text/event-stream", ...authHeaders() };
        if (lastId) headers["Last-Event-ID"] = lastId;
        const response = await fetch(`/api/v1/live?${new URLSearchParams(params)}`, {
          headers, signal: controller.signal, cache: "no-store",
        });
        if (response.status === 401 || response.status === 403) {
          onState("refused");
          return;
        }
        if (!response.ok || !response.body) throw new Error(`live stream: ${response.status}`);
        onState("open");
        attempt = 0;
        for await (const message of messages(response.body)) {
          if (message.id) lastId = message.id;
          onMessage(message);
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        console.warn("live stream interrupted", error);
      }
      onState("retrying");
      await pause(RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)], controller.signal);
    }
  }

  connect();
  return () => controller.abort();
}

/** The messages of a text/event-stream body, as the SSE format defines them. */
async function* messages(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let message = { event: "message", id: null, data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop();
    for (const line of lines) {
      if (line === "") {
        if (message.data.length) yield { ...message, data: message.data.join("\n") };
        message = { event: "message", id: null, data: [] };
      } else if (!line.startsWith(":")) {  // a comment: pings and "subscribed"
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") message.data.push(text);
        else if (field === "event") message.event = text;
        else if (field === "id") message.id = text;
      }
    }
  }
}

function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
