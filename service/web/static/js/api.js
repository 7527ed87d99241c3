// The JSON API, the same one a script calls. Writes carry the token and the name.

import {session} from "./session.js";

export class ApiError extends Error {
  constructor(status, kind, detail) {
    super(`${detail} (HTTP ${status} ${kind})`);
    this.status = status;
    this.kind = kind;
    this.detail = detail;
  }
}

async function call(method, path, body, auth) {
  const headers = {Accept: "application/json"};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth) headers.Authorization = `Bearer ${session.token}`;
  let response;
  try {
    response = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (err) {
    throw new ApiError(0, "network", `the service did not answer (${err.message}); is argmine serve running?`);
  }
  let data = null;
  try { data = await response.json(); } catch { /* not JSON */ }
  if (!response.ok) {
    const detail = data && typeof data.detail === "string" ? data.detail : response.statusText;
    throw new ApiError(response.status, (data && data.error) || "error", detail);
  }
  return data;
}

export const get = (path) => call("GET", path);
/** Reads that change nothing, like labelling, need no token. */
export const post = (path, body) => call("POST", path, body, false);

/** A write: asks for name and token first if needed; a refused token is reported and forgotten. */
export async function write(path, body) {
  await session.ensure();
  try {
    return await call("POST", path, body, true);
  } catch (err) {
    if (err.status === 401 || err.status === 403) session.refused(err);
    throw err;
  }
}

/** Store one sentence's labels as an annotation by the signed-in annotator. */
export async function annotate(sentence, labels, docId, note) {
  await session.ensure();
  const annotation = {text: sentence.text, role: labels.role, stance: labels.stance, risk: labels.risk,
    doc_id: docId ?? sentence.doc_id ?? null, start: sentence.start, end: sentence.end, annotator: session.name};
  if (note) annotation.note = note;
  const out = await write("/v1/annotations", {annotations: [annotation]});
  return out.items[0];
}

/**
 * A write with any method (POST, PATCH, DELETE). Unlike ``write``, a 403 keeps the token: every
 * known token may write links, so 403 here means "not yours", not a wrong token.
 */
export async function send(method, path, body) {
  await session.ensure();
  try {
    return await call(method, path, body, true);
  } catch (err) {
    if (err.status === 401) session.refused(err);
    throw err;
  }
}

export const currentToken = () => session.token;
export const signedIn = () => session.signedIn;
