// Reads a member's PIN from where the configuration says it lives (libs/secret-source, shared with
// the package store's S3 keys). The PIN itself is returned to the caller only, and no error names
// its value.
import { readSecret, SecretUnavailableError } from '../secret-source';
import { HsmError } from './errors';
import type { PinSource } from './types';

export async function readPin(source: PinSource, tokenLabel: string): Promise<string> {
  try {
    return await readSecret(source, `The PIN of token "${tokenLabel}"`);
  } catch (error) {
    if (error instanceof SecretUnavailableError) throw new HsmError('pin-unavailable', error.message);
    throw error;
  }
}
