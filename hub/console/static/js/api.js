// Calls to the hub's API with the user's bearer token; media fetched as blobs.

import { signOut, token } from "./session.js";

/** A refused or failed API call, with the HTTP status and the API's detail. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(`${status}: ${detail}`);
    this.status = status;
  }
}

/** The headers every authenticated request carries. */
export function authHeaders() {
  const stored = token();
  return stored ? { Authorization: `Bearer ${stored}` } : {};
}

/** Call the API; JSON in and out. A 401 signs the user out and returns to the sign-in page. */
export async function api(path, { method = "GET", body, query } = {}) {
  const url = query ? `${path}?${new URLSearchParams(query)}` : path;
  const headers = { Accept: "application/json", ...authHeaders() };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  if (response.status === 401) {
    signOut();
    location.hash = "#/login";
  }
  if (!response.ok) throw new ApiError(response.status, await detailOf(response));
  return response.status === 204 ? null : response.json();
}

/**
 * An object URL for a media object: an <img> or <video> cannot send the bearer token, so the
 * bytes are fetched here and typed with the event's content type (the hub stores none).
 * The caller revokes the URL when the view goes.
 */
export async function mediaUrl(sha256, contentType) {
  const response = await fetch(`/api/v1/media/${sha256}`, { headers: authHeaders() });
  if (!response.ok) throw new ApiError(response.status, await detailOf(response));
  const bytes = await response.blob();
  return URL.createObjectURL(new Blob([bytes], { type: contentType }));
}

async function detailOf(response) {
  try {
    const { detail } = await response.json();
    return typeof detail === "string" ? detail : JSON.stringify(detail);
  } catch {
    return response.statusText;
  }
}
