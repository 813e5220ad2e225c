// A small, self-hosted explorer: no CDN, no outside request. It posts operations to /graphql with the
// headers the user types. The full GraphiQL explorer (docs, query builder, subscriptions) replaces it later.

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

export interface ExplorerOptions {
  /** Pre-filled Authorization header (dev mode only). */
  authorization?: string | null;
}

const EXAMPLE = `{
  viewer { id name }
  chains { id name head healthy nativeAsset { symbol decimals } }
}`;

export function explorerPage({ authorization }: ExplorerOptions = {}): string {
  const headers = JSON.stringify(authorization ? { Authorization: authorization } : {}, null, 2);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>value-gateway explorer</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 0; display: grid; grid-template-columns: 1fr 1fr; height: 100vh; }
  section { display: flex; flex-direction: column; padding: 8px; gap: 6px; }
  textarea, pre { flex: 1; font: 13px ui-monospace, monospace; border: 1px solid #ccc; padding: 6px; margin: 0; overflow: auto; }
  #headers, #variables { flex: 0 0 5em; }
  button { align-self: flex-start; padding: 4px 16px; }
</style>
</head>
<body>
<section>
  <strong>value-gateway</strong> — POST /graphql · subscriptions over graphql-ws on ws://…/graphql
  <label for="query">Operation</label>
  <textarea id="query" spellcheck="false">${escapeHtml(EXAMPLE)}</textarea>
  <label for="variables">Variables (JSON)</label>
  <textarea id="variables" spellcheck="false">{}</textarea>
  <label for="headers">Headers (JSON)</label>
  <textarea id="headers" spellcheck="false">${escapeHtml(headers)}</textarea>
  <button id="run">Run</button>
</section>
<section>
  <label for="result">Result</label>
  <pre id="result"></pre>
</section>
<script type="module">
  const $ = (id) => document.getElementById(id);
  $("run").addEventListener("click", async () => {
    $("result").textContent = "…";
    try {
      const response = await fetch(location.pathname, {
        method: "POST",
        headers: { "content-type": "application/json", ...JSON.parse($("headers").value || "{}") },
        body: JSON.stringify({ query: $("query").value, variables: JSON.parse($("variables").value || "{}") }),
      });
      $("result").textContent = JSON.stringify(await response.json(), null, 2);
    } catch (error) {
      $("result").textContent = String(error);
    }
  });
</script>
</body>
</html>
`;
}
