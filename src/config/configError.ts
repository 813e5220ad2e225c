/**
 * The gateway cannot start with this environment. Thrown before anything is opened or written, with
 * a message that names each variable at fault and what to set it to; the CLI prints it and exits.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    message: string,
    /** The environment variables (or files) at fault, for a caller that wants to point at them. */
    readonly variables: readonly string[] = [],
  ) {
    super(message);
  }
}
