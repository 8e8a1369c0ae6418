// The login token, in this origin's storage only: never in a URL, never sent to another
// origin (the Content-Security-Policy allows no other), kept across reloads.
const TOKEN_KEY = "aidbridge.token";

export function token() {
  try {
    return window.localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function saveToken(value) {
  window.localStorage.setItem(TOKEN_KEY, value);
}

export function forgetToken() {
  window.localStorage.removeItem(TOKEN_KEY);
}
