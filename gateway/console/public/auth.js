// Sign-in through Keycloak's own pages with oidc-client-ts: authorization code + PKCE (S256),
// tokens kept in this tab's sessionStorage, renewed with the refresh token before they expire.
import { UserManager, WebStorageStateStore } from "oidc-client-ts";

let manager;

export async function startAuth() {
  const response = await fetch("/console/config.json");
  const config = await response.json();
  const home = `${window.location.origin}/`;
  manager = new UserManager({
    authority: config.authority,
    client_id: config.client_id,
    redirect_uri: home,
    post_logout_redirect_uri: home,
    response_type: "code",
    scope: "openid profile email",
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: true,
    // No hidden iframes: renewal uses the refresh token, and the CSP allows no frames.
    monitorSession: false,
  });
  return manager;
}

// Finishes a redirect back from Keycloak (sign-in or sign-out) and tidies the address bar.
export async function completeRedirect() {
  const params = new URLSearchParams(window.location.search);
  if (!params.has("state")) return;
  try {
    if (params.has("code") || params.has("error")) {
      await manager.signinRedirectCallback();
    } else {
      await manager.signoutRedirectCallback();
    }
  } finally {
    window.history.replaceState(null, "", "/");
  }
}

export async function currentUser() {
  const user = await manager.getUser();
  return user && !user.expired ? user : null;
}

// A valid access token, renewed first when the stored one has expired; null when signed out.
export async function accessToken() {
  const user = await manager.getUser();
  if (!user) return null;
  if (!user.expired) return user.access_token;
  return renew();
}

export async function renew() {
  try {
    const user = await manager.signinSilent();
    return user ? user.access_token : null;
  } catch {
    await manager.removeUser();
    return null;
  }
}

export function logIn() {
  return manager.signinRedirect();
}

// Keycloak's end-session endpoint ends the session (and, through back-channel logout, every
// token of it), then sends the browser back to the console.
export function logOut() {
  return manager.signoutRedirect();
}

export function onSignedOut(callback) {
  manager.events.addUserSignedOut(callback);
  manager.events.addUserUnloaded(callback);
  manager.events.addSilentRenewError(callback);
}
