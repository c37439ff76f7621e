// The one error the CLI raises on purpose: a stable code, a message that says what was wrong and
// what to do, and the exit code it ends the process with.
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
    /** Extra fields for --json (an API error's status, correlation id, details). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit codes: scripts can tell a failed operation from a usage mistake from an unreachable API. */
export const exitCodes = {
  ok: 0,
  /** The operation ended but not as asked (a member not in-sync, an audit mismatch, an API refusal). */
  failed: 1,
  usage: 2,
  /** The API could not be reached. */
  unreachable: 3,
} as const;
