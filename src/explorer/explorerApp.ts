// The explorer in the browser: GraphiQL with its docs pane, the query builder (explorer plugin),
// history, the headers editor, and subscriptions over graphql-ws on the same path as the HTTP
// endpoint. Bundled by buildExplorer.ts; everything it needs comes from the gateway.
import { explorerPlugin } from "@graphiql/plugin-explorer";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL, HISTORY_PLUGIN } from "graphiql";
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { EXPLORER_CONFIG_ELEMENT_ID, type ExplorerPageConfig } from "./explorerPageConfig.ts";
import { serveMonacoWorkersFrom } from "./monacoWorkers.ts";

const config = JSON.parse(
  document.getElementById(EXPLORER_CONFIG_ELEMENT_ID)?.textContent ?? "{}",
) as ExplorerPageConfig;
serveMonacoWorkersFrom(config.workers);

const url = new URL(config.endpoint, window.location.href);
const subscriptionUrl = new URL(url);
subscriptionUrl.protocol = url.protocol === "https:" ? "wss:" : "ws:";
// GraphiQL sends the headers editor's headers with every HTTP request and, for a subscription, as
// the graphql-ws connectionParams (where the gateway reads `authorization`). The page's headers (the
// dev key) start in the editor and also stand behind it: GraphiQL does not store a tab's headers, so
// a tab reopened after a reload has none, and a header typed into the editor still wins.
const fetcher = createGraphiQLFetcher({
  url: url.href,
  subscriptionUrl: subscriptionUrl.href,
  headers: config.headers,
  wsConnectionParams: config.headers,
});

const headers = Object.keys(config.headers).length > 0 ? JSON.stringify(config.headers, null, 2) : "";
const container = document.getElementById("explorer");
if (!container) throw new Error("the explorer page has no #explorer element");
createRoot(container).render(
  createElement(
    GraphiQL,
    {
      fetcher,
      // The docs pane is always there; history is GraphiQL's default, kept next to the query builder.
      plugins: [explorerPlugin(), HISTORY_PLUGIN],
      defaultTabs: config.tabs.map((tab) => ({ ...tab, headers })),
      defaultHeaders: headers,
      defaultEditorToolsVisibility: headers ? "headers" : true,
    },
    createElement(GraphiQL.Logo, null, "value-gateway"),
  ),
);
