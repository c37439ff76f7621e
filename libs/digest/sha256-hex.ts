// The one SHA-256 the project names things by: package and history files, key fingerprints,
// token hashes, request hashes. Text is hashed as its UTF-8 bytes. Node-only: workflow code may
// not import node:crypto, so a workflow that needs a hash keeps its own pure implementation.
import { createHash } from 'node:crypto';

/** SHA-256 of the bytes (a string: of its UTF-8 encoding), lower-case hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
