// The console's start: finish a redirect from Keycloak, then show the signed-in or signed-out view.
import { completeRedirect, currentUser, logIn, logOut, onSignedOut, startAuth } from "./auth.js";
import { startFeed, stopFeed } from "./feed.js";
import { clear, showProblem, showText } from "./messages.js";
import { clearTasks, loadPage, setUpTasks } from "./tasks.js";

const $ = (id) => document.getElementById(id);
const message = $("message");

function showSignedOut(note) {
  stopFeed();
  clearTasks();
  $("signed-in").hidden = true;
  $("logout").hidden = true;
  $("who").hidden = true;
  $("signed-out").hidden = false;
  if (note) showText(message, note);
}

function showSignedIn(user) {
  const profile = user.profile;
  $("who").textContent = `Signed in as ${profile.preferred_username || profile.email || profile.sub}`;
  $("who").hidden = false;
  $("logout").hidden = false;
  $("signed-out").hidden = true;
  $("signed-in").hidden = false;
  startFeed();
  loadPage();
}

async function main() {
  setUpTasks();
  $("login").addEventListener("click", () => {
    clear(message);
    logIn().catch((error) => showText(message, `The sign-in page could not be opened: ${error.message}`));
  });
  $("logout").addEventListener("click", () => {
    stopFeed();
    logOut().catch((error) => showText(message, `Sign-out failed: ${error.message}`));
  });
  try {
    await startAuth();
    onSignedOut(() => showSignedOut("Your session has ended; log in again."));
    await completeRedirect();
  } catch (error) {
    showProblem(message, { status: 0, message: `Sign-in did not complete: ${error.message}`, errors: null });
  }
  const user = await currentUser().catch(() => null);
  if (user) showSignedIn(user);
  else showSignedOut();
}

main();
