// graphql-http's audit of a live server (GraphQL over HTTP): prints one JSON array of
// {id, name, status, reason} to stdout. Usage: node tests/http/audit.mjs http://host/graphql
import { auditServer } from "../../frontend/tools/node_modules/graphql-http/lib/index.mjs";

const url = process.argv[2];
if (!url) {
  console.error("usage: node audit.mjs URL");
  process.exit(2);
}
const results = await auditServer({ url, fetchFn: fetch });
const report = await Promise.all(
  results.map(async (result) => ({
    id: result.id,
    name: result.name,
    status: result.status,
    reason: result.status === "ok" ? null : result.reason,
    response:
      result.status === "ok" ? null : { status: result.response.status, body: await result.response.text() },
  })),
);
process.stdout.write(JSON.stringify(report, null, 1) + "\n");
