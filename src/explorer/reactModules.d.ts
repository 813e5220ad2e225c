// The explorer bundle calls React through these two functions only, and @types/react is not
// installed: enough of React's API for the type checker.
declare module "react" {
  export function createElement(
    type: unknown,
    props?: Record<string, unknown> | null,
    ...children: unknown[]
  ): unknown;
}
declare module "react-dom/client" {
  export function createRoot(container: Element): { render(node: unknown): void };
}
