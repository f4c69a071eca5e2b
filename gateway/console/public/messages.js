// Shows what went wrong (or right) in a message region, problem+json field errors included.
export function showProblem(region, error) {
  region.replaceChildren();
  const lead = document.createElement("p");
  lead.textContent = error.status ? `${error.message} (HTTP ${error.status})` : error.message;
  region.append(lead);
  const fields = flatten(error.errors);
  if (fields.length) {
    const list = document.createElement("ul");
    for (const [field, text] of fields) {
      const item = document.createElement("li");
      item.textContent = `${field}: ${text}`;
      list.append(item);
    }
    region.append(list);
  }
  region.hidden = false;
}

export function showText(region, text) {
  region.replaceChildren();
  const line = document.createElement("p");
  line.textContent = text;
  region.append(line);
  region.hidden = false;
}

export function clear(region) {
  region.replaceChildren();
  region.hidden = true;
}

// {"json": {"title": ["Too long."]}} -> [["title", "Too long."]]: the location prefixes of the
// API's validation errors ("json", "query", "headers") say nothing to a person.
function flatten(errors, path = []) {
  if (!errors) return [];
  if (Array.isArray(errors)) return errors.map((text) => [path.join(".") || "request", String(text)]);
  if (typeof errors !== "object") return [[path.join(".") || "request", String(errors)]];
  return Object.entries(errors).flatMap(([key, value]) =>
    flatten(value, ["json", "query", "headers", "querystring"].includes(key) && !path.length ? path : [...path, key]),
  );
}
