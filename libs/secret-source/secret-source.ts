// Where a secret comes from: an environment variable or a file, never the value itself. The
// configuration names sources (a member's PIN, the package store's S3 keys); the process that needs
// the secret reads it here, at the moment it needs it. No error names the value, only the source.
import { readFile } from 'node:fs/promises';

export type SecretSource = { env: string } | { file: string };

/** The source could not give a value: unset variable, unreadable or empty file. */
export class SecretUnavailableError extends Error {
  override readonly name = 'SecretUnavailableError';

  constructor(
    readonly source: SecretSource,
    message: string,
  ) {
    super(message);
  }
}

/** "environment variable NAME" or "file /path": for messages; never the value. */
export function describeSecretSource(source: SecretSource): string {
  return 'env' in source ? `environment variable ${source.env}` : `file ${source.file}`;
}

/**
 * Reads the secret that `source` names. `what` starts the error message (`The PIN of token "n1"`),
 * so the reader of a log knows which secret is missing and where it was looked for.
 */
export async function readSecret(source: SecretSource, what: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if ('env' in source) {
    const value = env[source.env];
    if (value === undefined || value === '') {
      throw new SecretUnavailableError(source, `${what} should be in environment variable ${source.env}, which is not set: set it before starting this process.`);
    }
    return value;
  }
  let text: string;
  try {
    text = await readFile(source.file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new SecretUnavailableError(source, `${what} should be in file ${source.file}, which cannot be read (${code}): check the path and its permissions.`);
  }
  // Editors add a final newline; a secret never ends with one.
  const value = text.replace(/\r?\n$/, '');
  if (value === '') {
    throw new SecretUnavailableError(source, `${what} should be in file ${source.file}, which is empty: write the secret into it.`);
  }
  return value;
}
