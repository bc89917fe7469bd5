// Media elements for an event's snapshots and clips, from authenticated blob fetches.

import { mediaUrl } from "./api.js";
import { h } from "./dom.js";

/** Object URLs made for one view; `release()` revokes them all when the view goes. */
export class MediaBag {
  constructor() {
    this.urls = [];
  }

  /** An <img> or <video> for a media link ({sha256, content_type, role, stored}). */
  element(link, { thumb = false } = {}) {
    const isVideo = link.content_type.startsWith("video/");
    const el = isVideo
      ? h("video", { controls: !thumb, muted: true, playsinline: true, preload: "metadata" })
      : h("img", { alt: `${link.role} ${link.sha256.slice(0, 12)}` });
    el.className = `media media-${link.role}${thumb ? " thumb" : ""}`;
    el.dataset.sha256 = link.sha256;
    if (!link.stored) {
      return h("span", { class: "media-missing" }, `${link.role}: not received yet`);
    }
    mediaUrl(link.sha256, link.content_type).then((url) => {
      this.urls.push(url);
      el.src = url;
    }).catch((error) => {
      el.replaceWith(h("span", { class: "media-missing" }, `${link.role}: ${error.message}`));
    });
    return el;
  }

  /** Revoke every URL made so far. */
  release() {
    this.urls.forEach((url) => URL.revokeObjectURL(url));
    this.urls = [];
  }
}

/** The event's media refs as links (a search hit carries refs, not the detail's links). */
export function linksOf(event) {
  return (event.media ?? []).map((ref) => ({ ...ref, stored: true }));
}
