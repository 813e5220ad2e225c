import { EXPLORER_ASSETS_PATH, type ExplorerManifest } from "./explorerAssets.ts";
import { EXPLORER_CONFIG_ELEMENT_ID, type ExplorerPageConfig } from "./explorerPageConfig.ts";

const asset = (file: string) => `${EXPLORER_ASSETS_PATH}${file}`;

/**
 * The explorer's page: the bundle's stylesheet and script, and the settings it starts from as a JSON
 * block (it may hold the dev tenant's key, so it is never cached).
 */
export function explorerPage(
  manifest: ExplorerManifest,
  settings: Omit<ExplorerPageConfig, "workers">,
): string {
  const config: ExplorerPageConfig = {
    ...settings,
    workers: {
      editor: asset(manifest.workers.editor),
      json: asset(manifest.workers.json),
      graphql: asset(manifest.workers.graphql),
    },
  };
  // "<" escaped, so no value can close the script element the JSON sits in.
  const json = JSON.stringify(config).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>value-gateway explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset(manifest.stylesheet)}">
<script id="${EXPLORER_CONFIG_ELEMENT_ID}" type="application/json">${json}</script>
<script src="${asset(manifest.script)}" defer></script>
</head>
<body>
<div id="explorer"><noscript>The value-gateway explorer (GraphiQL) needs JavaScript.</noscript></div>
</body>
</html>
`;
}

/** Served instead of the explorer while dist/explorer is missing (a checkout that skipped the build). */
export function explorerNotBuiltPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>value-gateway explorer: not built</title>
<style>body { font: 16px system-ui, sans-serif; margin: 3em auto; max-width: 40em; line-height: 1.5; }</style>
</head>
<body>
<h1>The explorer is not built</h1>
<p>value-gateway serves its GraphiQL explorer from <code>dist/explorer</code>, which is missing.
Build it (no download needed: it bundles the installed npm packages), then reload this page:</p>
<pre>npm run build:explorer</pre>
<p><code>npm ci</code> builds it too. The API itself works without it: <code>POST /graphql</code>.</p>
</body>
</html>
`;
}
