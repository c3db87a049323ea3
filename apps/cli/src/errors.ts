/** An error the user can act on: printed as is, without a stack trace, exit code 1 (or `code`). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}
