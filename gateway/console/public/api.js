// The console's only HTTP client of the public API (through the gateway, same origin): adds the
// Bearer token, retries once with a renewed token after a 401, and turns every problem+json
// answer into an ApiProblem that says what went wrong.
import { accessToken, renew } from "./auth.js";

export class ApiProblem extends Error {
  constructor(status, title, detail, errors) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
  }
}

export async function problemOf(response) {
  const type = response.headers.get("Content-Type") || "";
  if (type.startsWith("application/problem+json") || type.startsWith("application/json")) {
    try {
      const body = await response.json();
      return new ApiProblem(
        response.status,
        body.title || response.statusText || `HTTP ${response.status}`,
        body.detail || "",
        body.errors || null,
      );
    } catch {
      // fall through: a body that is not JSON after all
    }
  }
  return new ApiProblem(response.status, `HTTP ${response.status} ${response.statusText}`, "", null);
}

// fetch with the caller's token; a 401 gets one retry with a freshly renewed token.
export async function authorizedFetch(url, init = {}) {
  let token = await accessToken();
  for (let attempt = 0; ; attempt += 1) {
    if (!token) throw new ApiProblem(401, "Signed out", "Your session has ended; log in again.", null);
    const headers = new Headers(init.headers);
    headers.set("Authorization", `Bearer ${token}`);
    let response;
    try {
      response = await fetch(url, { ...init, headers });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiProblem(0, "The gateway could not be reached", "Check the connection and try again.", null);
    }
    if (response.status !== 401 || attempt > 0) return response;
    token = await renew();
  }
}

// A JSON request; resolves to {body, etag} or throws an ApiProblem.
export async function request(method, path, { body, headers = {} } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await authorizedFetch(path, init);
  if (!response.ok) throw await problemOf(response);
  return {
    body: response.status === 204 ? null : await response.json(),
    etag: response.headers.get("ETag"),
  };
}
