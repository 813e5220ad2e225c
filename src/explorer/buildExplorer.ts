// `npm run build:explorer` (and `npm ci`, through "prepare"): bundles the GraphiQL explorer from the
// installed npm packages into dist/explorer: one script, one stylesheet (GraphiQL's, fonts inlined),
// and the three Monaco web workers, each with a content hash in its name and a gzip copy. Nothing is
// downloaded, at build time or when the page runs.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import {
  EXPLORER_DIST_DIR,
  EXPLORER_MANIFEST_FILE,
  type ExplorerManifest,
  manifestFiles,
} from "./explorerAssets.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The packages the build needs: devDependencies, so absent after `npm ci --omit=dev`. */
const BUILD_PACKAGES = ["esbuild", "graphiql", "@graphiql/plugin-explorer", "@graphiql/toolkit", "react-dom"];

export function missingBuildPackages(): string[] {
  return BUILD_PACKAGES.filter((name) => {
    try {
      require.resolve(`${name}/package.json`);
      return false;
    } catch {
      return true;
    }
  });
}

// The page's script is this module: GraphiQL's stylesheet (it already holds Monaco's and the
// fonts), the explorer plugin's, ours, then the app, so esbuild emits exactly one .js and one .css.
const ENTRY = "value-gateway:explorer";
const ENTRY_SOURCE = [
  'import "graphiql/style.css";',
  'import "@graphiql/plugin-explorer/style.css";',
  'import "./explorer.css";',
  'import "./explorerApp.ts";',
].join("\n");

export async function buildExplorer(outDir: string = EXPLORER_DIST_DIR): Promise<ExplorerManifest> {
  const { build } = await import("esbuild");
  // Monaco and its GraphQL mode are GraphiQL's dependencies: resolved from it, wherever npm put them.
  const fromGraphiQL = createRequire(require.resolve("@graphiql/react/package.json"));
  const result = await build({
    entryPoints: {
      explorer: ENTRY,
      "editor.worker": fromGraphiQL.resolve("monaco-editor/esm/vs/editor/editor.worker.js"),
      "json.worker": fromGraphiQL.resolve("monaco-editor/esm/vs/language/json/json.worker.js"),
      "graphql.worker": fromGraphiQL.resolve("monaco-graphql/esm/graphql.worker.js"),
    },
    bundle: true,
    minify: true,
    // Classic scripts: the page's script and `new Worker(url)` both load them as they are.
    format: "iife",
    platform: "browser",
    target: "es2022",
    define: { "process.env.NODE_ENV": '"production"' },
    // Whatever a stylesheet points at goes inside it: the page then needs no other file.
    loader: {
      ".ttf": "dataurl",
      ".woff": "dataurl",
      ".woff2": "dataurl",
      ".svg": "dataurl",
      ".png": "dataurl",
    },
    entryNames: "[name]-[hash]",
    outdir: outDir,
    write: false,
    logLevel: "warning",
    plugins: [
      {
        name: "value-gateway-explorer",
        setup(pluginBuild) {
          pluginBuild.onResolve({ filter: /^value-gateway:explorer$/ }, () => ({
            path: ENTRY,
            namespace: "value-gateway",
          }));
          pluginBuild.onLoad({ filter: /.*/, namespace: "value-gateway" }, () => ({
            contents: ENTRY_SOURCE,
            resolveDir: HERE,
            loader: "js",
          }));
          // Monaco's modules import their own CSS, which graphiql/style.css already contains.
          pluginBuild.onLoad({ filter: /[\\/]monaco-editor[\\/]esm[\\/].*\.css$/ }, () => ({
            contents: "",
            loader: "css",
          }));
        },
      },
    ],
  });

  const names = result.outputFiles.map((file) => basename(file.path));
  const find = (pattern: RegExp) => {
    const name = names.find((candidate) => pattern.test(candidate));
    if (!name)
      throw new Error(`the explorer build made no file like ${pattern} (it made ${names.join(", ")})`);
    return name;
  };
  const manifest: ExplorerManifest = {
    script: find(/^explorer-\w+\.js$/),
    stylesheet: find(/^explorer-\w+\.css$/),
    workers: {
      editor: find(/^editor\.worker-\w+\.js$/),
      json: find(/^json\.worker-\w+\.js$/),
      graphql: find(/^graphql\.worker-\w+\.js$/),
    },
  };

  // Each file is written under a temporary name and renamed: a gateway serving from this directory
  // meanwhile sees either the old bundle or the new one, and the manifest switches last.
  mkdirSync(outDir, { recursive: true });
  for (const file of result.outputFiles) {
    writeAtomically(join(outDir, basename(file.path)), file.contents);
    writeAtomically(join(outDir, `${basename(file.path)}.gz`), gzipSync(file.contents, { level: 9 }));
  }
  writeAtomically(join(outDir, EXPLORER_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  const keep = new Set([EXPLORER_MANIFEST_FILE, ...manifestFiles(manifest).flatMap((f) => [f, `${f}.gz`])]);
  for (const name of readdirSync(outDir)) {
    if (!keep.has(name)) rmSync(join(outDir, name), { force: true, recursive: true });
  }
  return manifest;
}

function writeAtomically(path: string, contents: string | Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const missing = missingBuildPackages();
  if (missing.length > 0) {
    const message = `cannot build the explorer: ${missing.join(", ")} not installed (devDependencies).`;
    // `npm ci --omit=dev` runs "prepare" too: a production install without build tools still works,
    // and GET /graphql then says how to build the explorer.
    if (process.env.npm_lifecycle_event === "prepare") {
      console.warn(`value-gateway: skipped building the explorer: ${missing.join(", ")} not installed.`);
      process.exit(0);
    }
    console.error(`value-gateway: ${message} Run \`npm ci\` (with devDependencies) first.`);
    process.exit(1);
  }
  const started = performance.now();
  const manifest = await buildExplorer();
  const files = manifestFiles(manifest).join(", ");
  console.log(
    `built the explorer into ${EXPLORER_DIST_DIR} in ${Math.round(performance.now() - started)} ms: ${files}`,
  );
}
