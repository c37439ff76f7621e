// Reads a member's PIN from where the configuration says it lives. The PIN itself is returned to
// the caller only, and no error names its value.
import { readFile } from 'node:fs/promises';
import { HsmError } from './errors';
import type { PinSource } from './types';

export async function readPin(source: PinSource, tokenLabel: string): Promise<string> {
  if ('env' in source) {
    const value = process.env[source.env];
    if (value === undefined || value === '') {
      throw new HsmError('pin-unavailable', `The PIN of token "${tokenLabel}" should be in environment variable ${source.env}, which is not set: set it before starting the node agent.`);
    }
    return value;
  }
  let text: string;
  try {
    text = await readFile(source.file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new HsmError('pin-unavailable', `The PIN file of token "${tokenLabel}" (${source.file}) cannot be read (${code}): check the path and its permissions.`);
  }
  // Editors add a final newline; a PIN never ends with one.
  const pin = text.replace(/\r?\n$/, '');
  if (pin === '') {
    throw new HsmError('pin-unavailable', `The PIN file of token "${tokenLabel}" (${source.file}) is empty: write the user PIN into it.`);
  }
  return pin;
}
