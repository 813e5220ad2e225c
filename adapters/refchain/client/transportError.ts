/** The node could not be reached, or the connection to it was lost: nothing was refused, try again. */
export class TransportError extends Error {
  override name = "TransportError" as const;
}
