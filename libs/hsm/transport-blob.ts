// The sealed transfer of the cluster secrets to a joining member: KTK and PMK wrapped with
// RSA-OAEP under the joining token's transport public key. Opaque to everyone else; it goes to a
// file store, never into a log or a workflow history.
import { sha256Hex } from '../digest';
import { HsmError } from './errors';
import type { ClusterSecretsKcv, OaepHash } from './types';

export const TRANSPORT_FORMAT = 'keysync.transport/1';

export interface TransportBlob extends ClusterSecretsKcv {
  format: typeof TRANSPORT_FORMAT;
  oaepHash: OaepHash;
  /** Fingerprint of the transport public key the secrets were wrapped for. */
  transportFingerprint: string;
  wrappedKtk: Buffer;
  wrappedPmk: Buffer;
}

/**
 * Detects a blob damaged in storage or transit before the HSM sees it, so a corrupted transfer is
 * a clear non-retryable error instead of the module's CKR_GENERAL_ERROR. Not a security control:
 * a forged blob cannot produce keys with the sponsor's check values, which are checked after unwrap.
 */
function checksum(fields: Omit<TransportBlob, 'format'>): string {
  return sha256Hex([fields.oaepHash, fields.transportFingerprint, fields.ktkKcv, fields.pmkKcv, fields.wrappedKtk.toString('base64'), fields.wrappedPmk.toString('base64')].join('|'));
}

export function encodeTransportBlob(blob: TransportBlob): Buffer {
  return Buffer.from(
    JSON.stringify({
      format: blob.format,
      oaepHash: blob.oaepHash,
      transportFingerprint: blob.transportFingerprint,
      ktkKcv: blob.ktkKcv,
      pmkKcv: blob.pmkKcv,
      wrappedKtk: blob.wrappedKtk.toString('base64'),
      wrappedPmk: blob.wrappedPmk.toString('base64'),
      checksum: checksum(blob),
    }),
    'utf8',
  );
}

export function decodeTransportBlob(bytes: Buffer): TransportBlob {
  const invalid = (what: string) => new HsmError('invalid-data', `The cluster secrets transfer is unusable (${what}): ask the sponsor to wrap the secrets again for this member's transport key.`);
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalid('not valid JSON');
  }
  if (typeof value !== 'object' || value === null || value.format !== TRANSPORT_FORMAT) throw invalid(`not ${TRANSPORT_FORMAT}`);
  const { oaepHash, transportFingerprint, ktkKcv, pmkKcv, wrappedKtk, wrappedPmk } = value;
  if (oaepHash !== 'sha256' && oaepHash !== 'sha1') throw invalid('unknown OAEP hash');
  for (const [name, field] of Object.entries({ transportFingerprint, ktkKcv, pmkKcv, wrappedKtk, wrappedPmk })) {
    if (typeof field !== 'string' || field === '') throw invalid(`${name} missing`);
  }
  const blob: TransportBlob = {
    format: TRANSPORT_FORMAT,
    oaepHash,
    transportFingerprint: transportFingerprint as string,
    ktkKcv: ktkKcv as string,
    pmkKcv: pmkKcv as string,
    wrappedKtk: Buffer.from(wrappedKtk as string, 'base64'),
    wrappedPmk: Buffer.from(wrappedPmk as string, 'base64'),
  };
  if (value.checksum !== checksum(blob)) throw invalid('damaged: its checksum does not match');
  return blob;
}
