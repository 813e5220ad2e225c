import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where `npm run build:explorer` writes the bundle (git-ignored, rebuilt by `npm ci`). */
export const EXPLORER_DIST_DIR = fileURLToPath(new URL("../../dist/explorer/", import.meta.url));

/** The URL path the bundle is served under. */
export const EXPLORER_ASSETS_PATH = "/explorer/assets/";

/** Written last by the build: the names of the current bundle's files, which carry content hashes. */
export const EXPLORER_MANIFEST_FILE = "manifest.json";

export interface ExplorerManifest {
  script: string;
  stylesheet: string;
  workers: { editor: string; json: string; graphql: string };
}

/** The built bundle's file names, or null when the explorer has not been built into `dir`. */
export async function readExplorerManifest(dir: string): Promise<ExplorerManifest | null> {
  let text: string;
  try {
    text = await readFile(join(dir, EXPLORER_MANIFEST_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  return JSON.parse(text) as ExplorerManifest;
}

/** Every file a manifest names: the only files the server hands out. */
export function manifestFiles(manifest: ExplorerManifest): string[] {
  return [manifest.script, manifest.stylesheet, ...Object.values(manifest.workers)];
}
