// A configuration that cannot run: every problem found, each naming its field. Messages describe
// what is expected and never repeat a value, so a misplaced secret never reaches a log.

export interface ConfigIssue {
  /** Dotted path of the field, e.g. clusters[0].members[1].pin. */
  field: string;
  problem: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(
      `Configuration ${source} is not valid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map(({ field, problem }) => `  - ${field}: ${problem}`).join('\n') +
        '\nFix the file (or point KEYSYNC_CONFIG at another one) and start again.',
    );
  }
}
