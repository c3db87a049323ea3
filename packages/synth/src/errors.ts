/** An error in the spec found while synthesizing, located by spec path (and within a string value). */
export class SynthError extends Error {
  override readonly name = 'SynthError';
  constructor(
    /** Spec path of the offending value, e.g. ['firewall', 'extraRules', 0, 'rule']. */
    readonly path: (string | number)[],
    message: string,
    /** 0-based character offset inside that string value, when the error is inside it. */
    readonly offset?: number,
  ) {
    super(message);
  }
}
