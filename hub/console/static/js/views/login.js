// The sign-in page: user name and password for a bearer token.

import { h } from "../dom.js";
import { signIn } from "../session.js";

/** Render the sign-in form; `onSignedIn(user)` is called once the token is stored. */
export function render(root, { onSignedIn }) {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const form = h("form", { class: "card login", id: "login-form" },
    h("h1", {}, "Sign in"),
    h("label", {}, "User name", h("input", { name: "username", autocomplete: "username",
      required: true, autofocus: true })),
    h("label", {}, "Password", h("input", { name: "password", type: "password",
      autocomplete: "current-password", required: true })),
    h("button", { type: "submit" }, "Sign in"),
    error);
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const data = new FormData(form);
    try {
      const user = await signIn(data.get("username"), data.get("password"));
      onSignedIn(user);
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    }
  });
  root.append(form);
}
