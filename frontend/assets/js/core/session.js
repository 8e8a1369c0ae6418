// The login token, in this origin's storage only: never in a URL, never sent to another
// origin (the Content-Security-Policy allows no other), kept across reloads; and where a
// login may send the visitor next (paths on this site only).
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

/** Where to go after logging in or registering: `next` if it is a path on this site
 * ("/cart/"), never another origin ("//x", "/\x", "https:"), else `fallback`. */
export function safeNext(next, fallback = "/account/") {
  if (typeof next !== "string" || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
    return fallback;
  }
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return fallback;
  try {
    const target = new URL(next, window.location.origin);
    return target.origin === window.location.origin ? target.pathname + target.search + target.hash : fallback;
  } catch {
    return fallback;
  }
}
