import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fastify, { type FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { EXPLORER_MANIFEST_FILE, type ExplorerManifest } from "./explorerAssets.ts";
import type { ExplorerPageConfig } from "./explorerPageConfig.ts";
import { registerExplorerRoutes } from "./explorerRoutes.ts";

const MANIFEST: ExplorerManifest = {
  script: "explorer-AAAA.js",
  stylesheet: "explorer-BBBB.css",
  workers: {
    editor: "editor.worker-CCCC.js",
    json: "json.worker-DDDD.js",
    graphql: "graphql.worker-EEEE.js",
  },
};

let assetsDir: string;
let app: FastifyInstance;
beforeEach(() => {
  assetsDir = mkdtempSync(join(tmpdir(), "vg-explorer-"));
});
afterEach(async () => {
  await app?.close();
  rmSync(assetsDir, { recursive: true, force: true });
});

function serve(authorization: string | null = null) {
  app = fastify();
  const explorer = registerExplorerRoutes(app, "/graphql", { authorization, assetsDir });
  app.get("/graphql", (_request, reply) => explorer.sendPage(reply));
  return app;
}

function build(manifest = MANIFEST) {
  for (const file of [manifest.script, manifest.stylesheet, ...Object.values(manifest.workers)]) {
    writeFileSync(join(assetsDir, file), `/* ${file} */`);
    writeFileSync(join(assetsDir, `${file}.gz`), gzipSync(`/* ${file} */`));
  }
  writeFileSync(join(assetsDir, EXPLORER_MANIFEST_FILE), JSON.stringify(manifest));
}

const pageConfig = (html: string): ExplorerPageConfig => {
  const json = html.match(/<script id="explorer-config" type="application\/json">(.*?)<\/script>/s)?.[1];
  return JSON.parse(json ?? "null") as ExplorerPageConfig;
};

describe("the explorer's routes", () => {
  test("before the build, the page is a 503 that says to run npm run build:explorer", async () => {
    serve();
    for (const url of ["/", "/graphql"]) {
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(503);
      expect(response.headers["content-type"]).toContain("text/html");
      expect(response.body).toContain("npm run build:explorer");
    }
    expect((await app.inject({ url: "/explorer/assets/explorer-AAAA.js" })).statusCode).toBe(404);
  });

  test("the page loads the built bundle and carries its settings, never cached", async () => {
    build();
    serve("Bearer vg_dev</script><script>alert(1)</script>");
    const response = await app.inject({ url: "/" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(response.body).toContain('<script src="/explorer/assets/explorer-AAAA.js" defer></script>');
    expect(response.body).toContain('<link rel="stylesheet" href="/explorer/assets/explorer-BBBB.css">');
    // The key cannot end the JSON block early: "<" is escaped inside it.
    expect(response.body).not.toContain("</script><script>alert(1)");
    const config = pageConfig(response.body);
    expect(config.headers).toEqual({ Authorization: "Bearer vg_dev</script><script>alert(1)</script>" });
    expect(config.endpoint).toBe("/graphql");
    expect(config.workers.graphql).toBe("/explorer/assets/graphql.worker-EEEE.js");
    expect(config.tabs.map((tab) => tab.query.match(/^(query|mutation|subscription) (\w+)/m)?.[2])).toEqual([
      "Overview",
      "CreateSubnet",
      "SendPayment",
      "PaymentEvents",
    ]);
  });

  test("without a dev key the headers editor starts empty", async () => {
    build();
    serve(null);
    expect(pageConfig((await app.inject({ url: "/graphql" })).body).headers).toEqual({});
  });

  test("assets are cached for a year, gzipped when asked, and only the manifest's files are served", async () => {
    build();
    serve();
    const plain = await app.inject({ url: "/explorer/assets/explorer-AAAA.js" });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(plain.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body).toBe("/* explorer-AAAA.js */");

    const gzipped = await app.inject({
      url: "/explorer/assets/explorer-BBBB.css",
      headers: { "accept-encoding": "gzip, deflate, br" },
    });
    expect(gzipped.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gzipped.rawPayload).toEqual(gzipSync("/* explorer-BBBB.css */"));

    writeFileSync(join(assetsDir, "other.js"), "not part of the bundle");
    for (const file of ["other.js", EXPLORER_MANIFEST_FILE, "explorer-AAAA.js.gz", "..%2Fpasswd.js"]) {
      expect((await app.inject({ url: `/explorer/assets/${file}` })).statusCode).toBe(404);
    }
  });
});
