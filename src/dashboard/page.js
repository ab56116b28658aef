// The dashboard's helpers: the API on the page's own origin, and the DOM.

/** The first element matching `selector`. */
export const $ = (selector) => document.querySelector(selector);

/**
 * Calls the API: the answer's JSON (null when empty), or an Error with the service's message and
 * its `status` and `code`.
 */
export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error(data?.error?.message ?? `${response.status}`);
    error.status = response.status;
    error.code = data?.error?.code;
    throw error;
  }
  return data;
}

/** Appends a cell holding `value` (a node, or text; "—" for none) to `row`, and returns it. */
export function cell(row, value) {
  const td = document.createElement("td");
  if (value instanceof Node) td.append(value);
  else td.textContent = value === null || value === undefined ? "—" : String(value);
  row.append(td);
  return td;
}
