// Between the API's RFC 3339 date-times and the browser's local datetime-local inputs.
export function toApi(localValue) {
  return localValue ? new Date(localValue).toISOString() : null;
}

export function toInput(apiValue) {
  if (!apiValue) return "";
  const date = new Date(apiValue);
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

export function toText(apiValue) {
  return apiValue ? new Date(apiValue).toLocaleString() : "";
}
