import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { EXAMPLE_TABS } from "./exampleOperations.ts";
import {
  EXPLORER_ASSETS_PATH,
  EXPLORER_DIST_DIR,
  manifestFiles,
  readExplorerManifest,
} from "./explorerAssets.ts";
import { explorerNotBuiltPage, explorerPage } from "./explorerPage.ts";

export interface ExplorerOptions {
  /** The Authorization the explorer sends unless told otherwise (dev: the dev tenant's key); null for none. */
  authorization: string | null;
  /** Where the built bundle is: dist/explorer unless a test says otherwise. */
  assetsDir?: string;
}

export interface ExplorerRoutes {
  /** Sends the explorer page, or a 503 page saying how to build it. */
  sendPage(reply: FastifyReply): Promise<FastifyReply>;
}

// Everything the page loads comes from this gateway: a browser refuses any other origin, so a stray
// reference to a CDN would show up as an error instead of a request. Monaco sets inline styles.
const PAGE_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/**
 * The GraphiQL explorer: the page at GET / (and, through `sendPage`, at GET /graphql for a browser)
 * and its bundle under /explorer/assets/. The bundle's file names carry content hashes, so they are
 * cached for a year; the page is read per request, so a rebuild shows on the next reload.
 */
export function registerExplorerRoutes(
  app: FastifyInstance,
  endpoint: string,
  options: ExplorerOptions,
): ExplorerRoutes {
  const assetsDir = options.assetsDir ?? EXPLORER_DIST_DIR;
  const headers: Record<string, string> = options.authorization
    ? { Authorization: options.authorization }
    : {};

  const sendPage = async (reply: FastifyReply) => {
    const manifest = await readExplorerManifest(assetsDir);
    reply
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .header("content-security-policy", PAGE_SECURITY_POLICY)
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer");
    if (!manifest) return reply.code(503).send(explorerNotBuiltPage());
    return reply.send(explorerPage(manifest, { endpoint, headers, tabs: [...EXAMPLE_TABS] }));
  };

  app.get("/", (_request, reply) => sendPage(reply));
  app.get(
    `${EXPLORER_ASSETS_PATH}:file`,
    async (request: FastifyRequest<{ Params: { file: string } }>, reply) => {
      const { file } = request.params;
      const manifest = await readExplorerManifest(assetsDir);
      // Only the current bundle's files: the name is never used as a path before it matched one.
      const contentType = CONTENT_TYPES[extname(file)];
      if (!manifest || !contentType || !manifestFiles(manifest).includes(file)) {
        return reply.code(404).type("text/plain; charset=utf-8").send("not found");
      }
      reply
        .type(contentType)
        .header("cache-control", "public, max-age=31536000, immutable")
        .header("x-content-type-options", "nosniff")
        .header("vary", "accept-encoding");
      // The build writes a gzip copy next to each file: the Monaco bundle shrinks about fourfold.
      if (/\bgzip\b/.test(request.headers["accept-encoding"] ?? "")) {
        const gzipped = await readIfPresent(join(assetsDir, `${file}.gz`));
        if (gzipped) return reply.header("content-encoding", "gzip").send(gzipped);
      }
      const body = await readIfPresent(join(assetsDir, file));
      if (!body) return reply.code(404).type("text/plain; charset=utf-8").send("not found");
      return reply.send(body);
    },
  );
  return { sendPage };
}

async function readIfPresent(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
