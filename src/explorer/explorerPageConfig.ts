// What the server tells the explorer in its page (a JSON block): shared by the page that writes it
// and the browser bundle that reads it.

/** The id of the page's `<script type="application/json">` element holding an ExplorerPageConfig. */
export const EXPLORER_CONFIG_ELEMENT_ID = "explorer-config";

export interface ExplorerTab {
  query: string;
  /** JSON text for the variables editor. */
  variables?: string;
}

export interface ExplorerPageConfig {
  /** Path of the GraphQL endpoint: HTTP here, graphql-ws on the same path. */
  endpoint: string;
  /** The headers editor's starting content: the dev tenant's Authorization in dev mode, else none. */
  headers: Record<string, string>;
  /** The tabs a first visit opens with. */
  tabs: ExplorerTab[];
  /** URLs of the bundled Monaco workers, by the label Monaco asks for. */
  workers: { editor: string; json: string; graphql: string };
}
