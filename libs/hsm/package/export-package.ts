// Export: wrap the selected keys under the KTK into one keysync.ksp/2 file, MACed by the PMK. The
// package is made in one wrap format (chosen by the sync for the source and every target, else
// the token's preferred one), with this token's own mechanism for it; each generic secret carries
// its HMAC check value, computed here, so a target can prove the key it unwraps.
import { randomUUID } from 'node:crypto';
import * as pkcs11 from 'pkcs11js';
import type { WrapFormat } from '../../contract/hsm-capabilities';
import { CheckValueCalculator } from '../check-values';
import { kcvOfSecrets, requireClusterSecrets } from '../cluster-secrets';
import { HsmError, hasCkr } from '../errors';
import { withReaderAsync } from '../key-operations';
import type { HsmSession } from '../session';
import type { KeySelector, PackageEntrySummary, PackageRef } from '../types';
import { preferredWrapFormat, wrapMechanism } from '../token-profile';
import { encodePackage, macInput, PACKAGE_FORMAT, packageDigest, summarizeEntry } from '../../package-format';
import type { PackageBody, PackageEntry } from '../../package-format';
import { packageMac } from './mac';

const UNWRAPPABLE = [pkcs11.CKR_KEY_NOT_WRAPPABLE, pkcs11.CKR_KEY_UNEXTRACTABLE, pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED];

export interface ExportOptions {
  clusterId: string;
  sourceMember: string;
  keys: KeySelector[];
  ttlSeconds: number;
  now?: Date;
  /** The format every target can unwrap (chooseWrapFormat); default: this token's preferred one. */
  wrapFormat?: WrapFormat;
}

export interface ExportResult {
  bytes: Buffer;
  /** The format every entry is wrapped in. */
  wrapFormat: WrapFormat;
  ref: PackageRef;
  entries: PackageEntrySummary[];
  /**
   * Keys with CKA_EXTRACTABLE false, or whose public half is missing (they cannot be identified), or
   * generic secrets whose HMAC check value this HSM cannot compute (they could not be proven): never packaged.
   */
  notExportable: KeySelector[];
  /** Selected keys that are not on the token (deleted since the inventory). */
  missing: KeySelector[];
}

export async function exportPackage(session: HsmSession, tokenLabel: string, opts: ExportOptions): Promise<ExportResult> {
  if (!Number.isInteger(opts.ttlSeconds) || opts.ttlSeconds <= 0) throw new HsmError('invalid-data', 'The package lifetime (ttlSeconds) must be a positive whole number of seconds.');
  const { ktk, pmk } = requireClusterSecrets(session, tokenLabel);
  const kcv = kcvOfSecrets(session, { ktk, pmk });
  const now = opts.now ?? new Date();
  const wrapFormat = opts.wrapFormat ?? preferredWrapFormat(session.profile, tokenLabel);
  const mechanism = wrapMechanism(session.profile, wrapFormat, tokenLabel);
  const checkValues = new CheckValueCalculator(session);
  const entries: PackageEntry[] = [];
  const notExportable: KeySelector[] = [];
  const missing: KeySelector[] = [];
  const seen = new Set<string>();

  try {
    await withReaderAsync(session, async (reader) => {
      for (const selector of opts.keys) {
        const key = `${selector.class}:${selector.id.toLowerCase()}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const [group] = reader.find({ class: selector.class, id: selector.id.toLowerCase() });
        if (!group) {
          missing.push({ ...selector });
          continue;
        }
        if (!group.exportable || group.fingerprint === '' || (group.class === 'private' && !group.publicKeyDer)) {
          notExportable.push({ class: group.class, id: group.id });
          continue;
        }
        const hmacCheckValue = group.keyType === 'generic-secret' ? checkValues.hmacCheckValue(group.handle, { canSign: group.usages.includes('sign'), extractable: group.exportable }) : undefined;
        if (group.keyType === 'generic-secret' && !hmacCheckValue) {
          notExportable.push({ class: group.class, id: group.id });
          continue;
        }
        let wrapped: Buffer;
        try {
          wrapped = await session.lib.C_WrapKeyAsync(session.handle, mechanism, ktk, group.handle, Buffer.alloc(16384));
        } catch (error) {
          // Extractable but only under a trusted wrapping key (CKA_WRAP_WITH_TRUSTED), or otherwise not wrappable by the KTK.
          if (!UNWRAPPABLE.some((code) => hasCkr(error, code))) throw error;
          notExportable.push({ class: group.class, id: group.id });
          continue;
        }
        const certificate = group.certificateHandle ? session.read(group.certificateHandle, [pkcs11.CKA_VALUE]).get(pkcs11.CKA_VALUE) : undefined;
        entries.push({
          class: group.class,
          keyType: group.keyType,
          ...(group.size !== undefined && group.keyType !== 'ec' ? { size: group.size } : {}),
          ...(group.curve !== undefined ? { curve: group.curve } : {}),
          label: group.label,
          id: group.id,
          fingerprint: group.fingerprint,
          usages: [...group.usages],
          ...(group.publicKeyDer ? { publicKeyDer: group.publicKeyDer.toString('base64') } : {}),
          ...(certificate && certificate.length > 0 ? { certificateDer: certificate.toString('base64') } : {}),
          wrappedKey: wrapped.toString('base64'),
          wrapFormat,
          ...(hmacCheckValue ? { hmacCheckValue } : {}),
        });
      }
    }, true);
  } finally {
    checkValues.dispose();
  }

  const body: PackageBody = {
    header: {
      format: PACKAGE_FORMAT,
      packageId: randomUUID(),
      clusterId: opts.clusterId,
      sourceMember: opts.sourceMember,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + opts.ttlSeconds * 1000).toISOString(),
      ktkKcv: kcv.ktkKcv,
      pmkKcv: kcv.pmkKcv,
    },
    entries,
  };
  const bytes = encodePackage(body, await packageMac(session, pmk, macInput(body)));
  return {
    bytes,
    wrapFormat,
    ref: { digest: packageDigest(bytes), size: bytes.length, keyCount: entries.length },
    entries: entries.map(summarizeEntry),
    notExportable,
    missing,
  };
}
