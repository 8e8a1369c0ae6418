// One way to talk to the API: named documents from schema/operations/, sent by hash, the
// visitor's locale in a header (so the API localizes messages, money and dates), errors as ApiError.
import { API_URL } from "../../../config.js";
import { OPERATION_HASHES, OPERATIONS } from "../generated/operations.js";
import { _, currentLocale } from "./i18n.js";
import { forgetToken, token } from "./session.js";

export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export async function request(operationName, variables = {}) {
  const query = OPERATIONS[operationName];
  const sha256Hash = OPERATION_HASHES[operationName];
  if (!query) throw new ApiError("UNKNOWN_OPERATION", operationName);
  const headers = {
    "content-type": "application/json",
    accept: "application/graphql-response+json, application/json",
    "x-aidbridge-locale": currentLocale(),
  };
  const bearer = token();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  // A persisted operation: its hash first; the text only if the server does not know it
  // (automatic persisted queries). A server that runs registered operations only knows
  // every document of this build.
  const extensions = { persistedQuery: { version: 1, sha256Hash } };
  let body = await send(headers, { operationName, variables, extensions });
  if (body.errors?.[0]?.extensions?.code === "PERSISTED_QUERY_NOT_FOUND") {
    body = await send(headers, { query, operationName, variables, extensions });
  }
  if (body.errors && body.errors.length) {
    const first = body.errors[0];
    const code = first.extensions?.code || "ERROR";
    if (code === "UNAUTHENTICATED" && bearer) forgetToken();
    throw new ApiError(code, first.message);
  }
  return body.data;
}

async function send(headers, payload) {
  let response;
  try {
    response = await fetch(API_URL, {
      method: "POST",
      headers,
      body: JSON.stringify(payload),
      credentials: "omit",
    });
  } catch {
    throw new ApiError("NETWORK", _("The server could not be reached. Check your connection and try again."));
  }
  try {
    return await response.json();
  } catch {
    throw new ApiError("BAD_RESPONSE", _("The server sent an answer this page cannot read. Try again later."));
  }
}

/** A mutation's payload with its typed errors (`errors: [UserError]`) left to the form. */
export async function mutate(operationName, variables, field) {
  const data = await request(operationName, variables);
  return data[field];
}
