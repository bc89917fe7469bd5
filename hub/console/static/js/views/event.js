// One event: its fields, its snapshots and clips, and what the cameras at its gate saw.

import { api } from "../api.js";
import { errorLine, h, when } from "../dom.js";
import { place, summary } from "../events.js";
import { MediaBag } from "../media.js";
import { may } from "../roles.js";

/** Render the event `id`; returns what revokes its media URLs. */
export function render(root, { user, param }) {
  const bag = new MediaBag();
  const section = h("section", { class: "card", id: "event-detail" },
    h("p", {}, h("a", { href: "#/search" }, "← search")));
  root.append(section);
  load(section, param, user, bag);
  return () => bag.release();
}

async function load(section, id, user, bag) {
  try {
    const detail = await api(`/api/v1/events/${encodeURIComponent(id)}`);
    const { event } = detail;
    const showMedia = may(user.role, "viewMedia");
    section.append(
      h("h1", {}, `${event.kind} · ${when(event.ts)}`),
      h("p", {}, place(event), " — ", summary(event)),
      h("h2", {}, "Footage"),
      footage(detail.media, showMedia, bag),
      h("h2", {}, `Cameras within ±${detail.around_s} s`,
        detail.cameras.length ? ` (${detail.cameras.join(", ")})` : ""),
      detail.camera_events.length
        ? h("div", { class: "timeline" }, detail.camera_events.map((c) =>
          h("figure", {}, footage(c.media, showMedia, bag, true),
            h("figcaption", {}, `${when(c.event.ts)} ${c.event.device}: ${summary(c.event)}`))))
        : h("p", { class: "muted" }, "No camera events around it."),
      h("h2", {}, "Record"),
      fields(event));
  } catch (error) {
    section.append(errorLine(error));
  }
}

function footage(links, showMedia, bag, thumb = false) {
  if (!links.length) return h("p", { class: "muted" }, "No media.");
  if (!showMedia) return h("p", { class: "muted" }, "Media are not shown to your role.");
  return h("div", { class: "footage" }, links.map((link) => thumb ? bag.element(link, { thumb })
    : h("figure", {}, bag.element(link), h("figcaption", {}, `${link.role} · ${link.content_type}`))));
}

function fields(event) {
  // The media are shown above; their hashes would only crowd the record.
  const rows = Object.entries(event).filter(([name]) => name !== "media").map(([name, value]) =>
    h("tr", {},
    h("th", {}, name),
    h("td", {}, typeof value === "object" && value !== null
      ? JSON.stringify(value) : String(value))));
  return h("table", { class: "fields" }, rows);
}
