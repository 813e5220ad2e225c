// `npm run schema` writes schema/schema.graphql from the type-graphql classes; `npm run schema:check`
// fails when the committed file is stale (CI runs it).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { printGatewaySchema } from "./buildGatewaySchema.ts";

export const SCHEMA_FILE = fileURLToPath(new URL("../../schema/schema.graphql", import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sdl = await printGatewaySchema();
  if (process.argv.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(SCHEMA_FILE, "utf8");
    } catch {}
    if (committed !== sdl) {
      console.error("schema/schema.graphql is stale: run `npm run schema` and commit the result.");
      process.exit(1);
    }
    console.log("schema/schema.graphql is current.");
  } else {
    writeFileSync(SCHEMA_FILE, sdl);
    console.log(`wrote ${SCHEMA_FILE}`);
  }
}
