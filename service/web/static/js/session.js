// The annotator's name and the API token: asked once, kept in sessionStorage only
// (gone when the tab closes), never in localStorage or a cookie.

import {notify} from "./dom.js";

const TOKEN = "argmine.token";
const NAME = "argmine.annotator";
const listeners = new Set();
let pending = null;

export const session = {
  get token() { return sessionStorage.getItem(TOKEN); },
  get name() { return sessionStorage.getItem(NAME); },
  get signedIn() { return Boolean(this.token && this.name); },
  onChange(fn) { listeners.add(fn); fn(); },
  set(name, token) {
    sessionStorage.setItem(NAME, name);
    sessionStorage.setItem(TOKEN, token);
    listeners.forEach((fn) => fn());
  },
  signOut() {
    sessionStorage.removeItem(TOKEN);
    listeners.forEach((fn) => fn());
  },
  /** Resolves once a name and a token are known; asks for them if not. Rejects on cancel. */
  ensure() {
    return this.signedIn ? Promise.resolve() : ask();
  },
  /** The server refused the token: forget it, say so where it cannot be missed, ask again. */
  refused(error) {
    sessionStorage.removeItem(TOKEN);
    listeners.forEach((fn) => fn());
    const why = error.status === 403 ? "is not allowed to do this" : "was refused";
    const message = `Not saved: the token ${why} (HTTP ${error.status}: ${error.detail}). Enter the right token and try again.`;
    notify(message);
    ask(message).catch(() => {});
  },
};

export function ask(message) {
  const dialog = document.getElementById("signin");
  const note = document.getElementById("signin-message");
  note.hidden = !message;
  note.textContent = message || "";
  document.getElementById("signin-name").value = session.name || "";
  document.getElementById("signin-token").value = "";
  if (!dialog.open) dialog.showModal();
  (session.name ? document.getElementById("signin-token") : document.getElementById("signin-name")).focus();
  if (!pending) {
    pending = {};
    pending.promise = new Promise((resolve, reject) => Object.assign(pending, {resolve, reject}));
  }
  return pending.promise;
}

export function installSignIn() {
  const dialog = document.getElementById("signin");
  const finish = (ok) => {
    const p = pending;
    pending = null;
    if (dialog.open) dialog.close();
    if (p) (ok ? p.resolve() : p.reject(new Error("sign-in cancelled")));
  };
  document.getElementById("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = document.getElementById("signin-name").value.trim();
    const token = document.getElementById("signin-token").value.trim();
    const note = document.getElementById("signin-message");
    if (!name || !token) {
      note.textContent = "Enter both your name and the token.";
      note.hidden = false;
      return;
    }
    session.set(name, token);
    finish(true);
  });
  document.getElementById("signin-cancel").addEventListener("click", () => finish(false));
  dialog.addEventListener("cancel", () => finish(false));
  document.getElementById("signin-open").addEventListener("click", () => ask().catch(() => {}));
  document.getElementById("signout").addEventListener("click", () => session.signOut());
  session.onChange(() => {
    document.getElementById("who-name").textContent = session.signedIn
      ? `Labelling as ${session.name}`
      : session.name ? `${session.name}: no token yet, sign in to store labels`
        : "Not signed in: reading and labelling need no token.";
    document.getElementById("signout").hidden = !session.signedIn;
    document.getElementById("signin-open").hidden = session.signedIn;
  });
}
