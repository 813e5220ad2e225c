import type { ExplorerPageConfig } from "./explorerPageConfig.ts";

/**
 * Tells Monaco where its web workers are: the gateway serves them from the bundle (GraphiQL's own
 * setups load them from esm.sh or need a bundler's worker plugin). Monaco asks by label: "json" for
 * the variables and headers editors, "graphql" for the operation editor, anything else for the
 * editor's base worker.
 */
export function serveMonacoWorkersFrom(urls: ExplorerPageConfig["workers"]): void {
  (globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = {
    getWorker(_workerId: string, label: string): Worker {
      if (label === "json") return new Worker(urls.json);
      if (label === "graphql") return new Worker(urls.graphql);
      return new Worker(urls.editor);
    },
  };
}
