// The signed-in user: the bearer token lives in sessionStorage (gone when the tab closes),
// and who the user is comes from GET /api/v1/auth/me.

const TOKEN_KEY = "sitewatch.token";
let me = null;

/** The bearer token, or null when signed out. */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** The signed-in user ({username, role, sites}), once loaded. */
export function currentUser() {
  return me;
}

/** Exchange a user name and password for a token (OAuth2 password form), then load the user. */
export async function signIn(username, password) {
  const response = await fetch("/api/v1/auth/token", {
    method: "POST",
    headers: { Accept: "application/json" },
    body: new URLSearchParams({ username, password }),
  });
  if (!response.ok) throw new Error(response.status === 401
    ? "Incorrect user name or password." : `Sign-in failed (${response.status}).`);
  const { access_token: issued } = await response.json();
  sessionStorage.setItem(TOKEN_KEY, issued);
  return loadUser();
}

/** Who the stored token belongs to; null (and signed out) if it is missing or rejected. */
export async function loadUser() {
  const stored = token();
  if (!stored) return null;
  const response = await fetch("/api/v1/auth/me", {
    headers: { Authorization: `Bearer ${stored}`, Accept: "application/json" },
  });
  if (!response.ok) {
    signOut();
    return null;
  }
  me = await response.json();
  return me;
}

/** Forget the token and the user. */
export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  me = null;
}
