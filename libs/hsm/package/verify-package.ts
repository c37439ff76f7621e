// Every check of a package before anything is unwrapped, in an order that gives the most precise
// reason: the file's digest, its structure and format, the cluster, the cluster secrets' check
// values, the MAC (inside this token's HSM, with its PMK), and last the expiry (so an edited expiry
// date reads as tampering, and only a genuine old package reads as expired).
import { timingSafeEqual } from 'node:crypto';
import { findClusterSecrets, kcvOfSecrets } from '../cluster-secrets';
import type { ClusterSecretHandles } from '../cluster-secrets';
import type { HsmSession } from '../session';
import type { PackageManifest } from '../types';
import { decodePackage, macInput, manifestOf, packageDigest, PackageRejectedError } from '../../package-format';
import type { PackageFile } from '../../package-format';
import { packageMac } from './mac';

export interface VerifyOptions {
  clusterId: string;
  expectedDigest?: string;
  now?: Date;
}

export interface VerifiedPackage {
  file: PackageFile;
  manifest: PackageManifest;
  /** The cluster secrets the package was checked against, for the import that follows. */
  secrets: Required<ClusterSecretHandles>;
}

export async function verifyPackageFile(session: HsmSession, tokenLabel: string, bytes: Buffer, opts: VerifyOptions): Promise<VerifiedPackage> {
  const digest = packageDigest(bytes);
  if (opts.expectedDigest !== undefined && opts.expectedDigest.toLowerCase() !== digest) {
    throw new PackageRejectedError('digest-mismatch', `The package file's SHA-256 is ${digest}, not the expected ${opts.expectedDigest}: the file was changed or replaced in the store. Export it again from the source member.`);
  }
  const file = decodePackage(bytes);
  const { header } = file;
  if (header.clusterId !== opts.clusterId) {
    throw new PackageRejectedError('wrong-cluster', `The package belongs to cluster "${header.clusterId}", not "${opts.clusterId}": import it only on members of its own cluster.`);
  }
  const secrets = findClusterSecrets(session);
  if (!secrets.ktk || !secrets.pmk) {
    throw new PackageRejectedError('wrong-cluster', `Token "${tokenLabel}" holds no cluster transfer secrets, so it cannot check or open a package of cluster "${opts.clusterId}": join this member to the cluster first.`);
  }
  const local = kcvOfSecrets(session, { ktk: secrets.ktk, pmk: secrets.pmk });
  if (local.ktkKcv !== header.ktkKcv || local.pmkKcv !== header.pmkKcv) {
    throw new PackageRejectedError(
      'wrong-cluster',
      `The package was made with cluster secrets (KTK ${header.ktkKcv}, PMK ${header.pmkKcv}) other than token "${tokenLabel}"'s (KTK ${local.ktkKcv}, PMK ${local.pmkKcv}): this member belongs to another cluster or was re-initialised; join it again before syncing.`,
    );
  }
  const expected = await packageMac(session, secrets.pmk, macInput(file));
  const claimed = Buffer.from(file.trailer.mac, 'hex');
  if (claimed.length !== expected.length || !timingSafeEqual(claimed, expected)) {
    throw new PackageRejectedError('tampered', `The package's MAC does not match its contents: it was altered after export (or its MAC comes from another package). Nothing was imported; export it again from the source member.`);
  }
  const now = opts.now ?? new Date();
  if (now.getTime() > Date.parse(header.expiresAt)) {
    throw new PackageRejectedError('expired', `The package expired at ${header.expiresAt} (made ${header.createdAt} on ${header.sourceMember}); an old package could bring back retired keys. Start a new sync to export a fresh one.`);
  }
  return { file, manifest: manifestOf(file, bytes), secrets: { ktk: secrets.ktk, pmk: secrets.pmk } };
}
