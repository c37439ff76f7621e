// A member's token, opened by module path and label. Every call opens its own session and closes
// it in finally (one crypto operation per session at a time, and session objects such as
// throw-away wrapping keys vanish with it); the login is held by one session for the token's
// lifetime. Errors leave as HsmError or PackageRejectedError, never as raw PKCS#11 errors.
import * as pkcs11 from 'pkcs11js';
import type { TokenCapabilities } from '../contract/hsm-capabilities';
import * as clusterSecrets from './cluster-secrets';
import { HsmError, toHsmError } from './errors';
import { foldedInventory } from './duplicates';
import * as keyOps from './key-operations';
import type { ModuleLease } from './module-registry';
import { exportPackage } from './package/export-package';
import type { ExportOptions, ExportResult } from './package/export-package';
import { importPackage } from './package/import-package';
import type { ImportOptions } from './package/import-package';
import { verifyPackageFile } from './package/verify-package';
import type { VerifyOptions } from './package/verify-package';
import { destroyRetiredObjects, findRetiredObjects, retiredObjectCount } from './retire-group';
import type { RetiredKey } from './retire-group';
import { HsmSession } from './session';
import { steadyRead } from './steady-read';
import type { TokenProfile } from './token-profile';
import type { Handle } from './session';
import type { ClusterSecretsKcv, Curve, ImportResult, KeyGroup, KeySelector, KeyType, KeyUsage, OaepHash, PackageManifest, TransportKeyInfo } from './types';

export interface GenerateKeySpec {
  keyType: KeyType;
  /** Bits: RSA 2048/3072/4096, AES 128/192/256, generic secret (default 256). */
  size?: number;
  curve?: Curve;
  label: string;
  /** CKA_ID, hex. */
  id: string;
  /** Default true: the key can be synced. */
  extractable?: boolean;
  /** Default: RSA sign+decrypt, EC sign, AES encrypt+decrypt, generic secret sign+verify. */
  usages?: KeyUsage[];
}

export interface Token {
  readonly label: string;
  close(): Promise<void>;
  /** What the token is and can do (read when it opened): the facts a sync's pre-flight and a join choose from. */
  capabilities(): TokenCapabilities;
  /**
   * Every key group, without secret values; the cluster transfer secrets and the transport key are
   * not listed. Identical copies of a group are folded into it and counted in `duplicates`.
   * `keyIds` (hex CKA_IDs): only the groups of those ids, the others not read.
   */
  inventory(keyIds?: readonly string[]): Promise<KeyGroup[]>;
  clusterSecretsKcv(): Promise<ClusterSecretsKcv | null>;
  /** Founder only: generates the KTK and the PMK. HsmError 'already-exists' when the token has them. */
  createClusterSecrets(): Promise<ClusterSecretsKcv>;
  /** Joining token: an RSA-3072 pair whose private half never leaves the HSM. Idempotent. */
  createTransportKey(): Promise<TransportKeyInfo>;
  /**
   * Sponsor: KTK and PMK under RSA-OAEP with the hash chosen for the join (chooseOaepHash of this
   * token's and the joining token's capabilities). The blob goes to a file store only.
   */
  wrapClusterSecretsForTransport(transportPublicKeyDer: Buffer, oaepHash: OaepHash): Promise<{ blob: Buffer; oaepHash: OaepHash }>;
  /** Joining token: unwraps the blob with its transport key. Idempotent; the KCVs prove the transfer. */
  unwrapClusterSecretsFromTransport(blob: Buffer): Promise<ClusterSecretsKcv>;
  exportPackage(opts: ExportOptions): Promise<ExportResult>;
  /** Every check, nothing unwrapped. Throws PackageRejectedError with the reason. */
  verifyPackage(bytes: Buffer, opts: VerifyOptions): Promise<PackageManifest>;
  readPackage(bytes: Buffer, opts: VerifyOptions): Promise<PackageManifest>;
  /** `inventoryAfter`: also read, after the import, the groups of the package's key ids (the verification's inventory). */
  importPackage(bytes: Buffer, opts: ImportOptions & { inventoryAfter?: boolean }): Promise<ImportResult & { inventoryAfter?: KeyGroup[] }>;
  generateKey(spec: GenerateKeySpec): Promise<KeyGroup>;
  /** RSA PKCS#1 v1.5 SHA-256; EC ECDSA-SHA256 as IEEE P1363 r||s; generic secret HMAC-SHA256. */
  sign(selector: KeySelector, data: Buffer): Promise<Buffer>;
  /** SubjectPublicKeyInfo DER of a private key's public half; null for secret keys. */
  publicKeyDer(selector: KeySelector): Promise<Buffer | null>;
  /** AES-CBC-PAD; output is IV || ciphertext. */
  encrypt(selector: KeySelector, data: Buffer): Promise<Buffer>;
  decrypt(selector: KeySelector, data: Buffer): Promise<Buffer>;
  /** Stores an X.509 certificate beside a private key (same CKA_ID and label). */
  importCertificate(selector: KeySelector, certificateDer: Buffer): Promise<KeyGroup>;
  /** How many token objects of every class the user can see: what an audit or a test compares before and after. */
  countObjects(): Promise<number>;
  /**
   * Destroys a retired key's objects (retire-group.ts says in which order and why), then counts in
   * a fresh session what is left of it. Other keys under the same id are never touched.
   */
  destroyKeyGroup(key: RetiredKey, onDestroyed?: (done: number) => void): Promise<DestroyedKeyGroup>;
}

export interface DestroyedKeyGroup {
  destroyed: number;
  /** Objects of the retired key found after the destroy: 0 when it is gone. */
  remaining: number;
  /** Fingerprints of other keys under that class and id, left alone. */
  otherKeys: string[];
}

export class Pkcs11Token implements Token {
  private closed = false;

  constructor(
    private readonly lease: ModuleLease,
    private readonly slot: Handle,
    readonly label: string,
    private readonly loginSession: Handle,
    private readonly profile: TokenProfile,
  ) {}

  capabilities(): TokenCapabilities {
    return structuredClone(this.profile.capabilities);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // Closing the last session of the token logs it out; another open Token on the same slot keeps its login.
      this.lease.lib.C_CloseSession(this.loginSession);
    } catch {
      // The session may already be gone with a removed token; the module is released either way.
    } finally {
      this.lease.release();
    }
  }

  inventory(keyIds?: readonly string[]): Promise<KeyGroup[]> {
    return this.readInventory(keyIds);
  }

  /** `firstRead`: the same view, already read once (an import's confirmation), where reads must agree twice. */
  private readInventory(keyIds: readonly string[] | undefined, firstRead?: KeyGroup[]): Promise<KeyGroup[]> {
    // The token is indexed once either way (bulk): on SoftHSM 600 keys' index takes about 0.2 s, and
    // reading every group on top 0.35 s more, while each targeted find costs as much as the index.
    const read = () => this.run('inventory', (s) => keyOps.withReader(s, (reader) => foldedInventory(s, reader, keyIds ? reader.ofIds(keyIds) : reader.all()), true));
    return this.profile.quirks.steadyReads ? steadyRead(read, `inventory of token "${this.label}"`, firstRead) : read();
  }

  clusterSecretsKcv(): Promise<ClusterSecretsKcv | null> {
    return this.run('read the cluster secrets check values', (s) => clusterSecrets.clusterSecretsKcv(s));
  }

  createClusterSecrets(): Promise<ClusterSecretsKcv> {
    return this.run('create the cluster transfer secrets', (s) => clusterSecrets.createClusterSecrets(s, this.label));
  }

  createTransportKey(): Promise<TransportKeyInfo> {
    return this.run('create the transport key', (s) => clusterSecrets.createTransportKey(s));
  }

  wrapClusterSecretsForTransport(transportPublicKeyDer: Buffer, oaepHash: OaepHash): Promise<{ blob: Buffer; oaepHash: OaepHash }> {
    return this.run('wrap the cluster secrets for transport', (s) => clusterSecrets.wrapClusterSecretsForTransport(s, this.label, transportPublicKeyDer, oaepHash));
  }

  unwrapClusterSecretsFromTransport(blob: Buffer): Promise<ClusterSecretsKcv> {
    return this.run('unwrap the cluster secrets', (s) => clusterSecrets.unwrapClusterSecretsFromTransport(s, this.label, blob));
  }

  exportPackage(opts: ExportOptions): Promise<ExportResult> {
    return this.run('export a package', (s) => exportPackage(s, this.label, opts));
  }

  async verifyPackage(bytes: Buffer, opts: VerifyOptions): Promise<PackageManifest> {
    return this.run('verify a package', async (s) => (await verifyPackageFile(s, this.label, bytes, opts)).manifest);
  }

  readPackage(bytes: Buffer, opts: VerifyOptions): Promise<PackageManifest> {
    return this.verifyPackage(bytes, opts);
  }

  async importPackage(bytes: Buffer, opts: ImportOptions & { inventoryAfter?: boolean }): Promise<ImportResult & { inventoryAfter?: KeyGroup[] }> {
    let confirmed: KeyGroup[] | undefined;
    const onConfirmed = (view: KeyGroup[]) => {
      confirmed = view;
      opts.onConfirmed?.(view);
    };
    const result = await this.run('import a package', (s) => importPackage(s, this.label, bytes, { ...opts, onConfirmed }));
    if (!opts.inventoryAfter || result.stopped) return result;
    // Only the package's keys: the verification looks at no other. Where reads must agree twice, the import's last confirmation round was the first of them.
    const packageIds = [...new Set(result.entries.map((entry) => entry.id))];
    return { ...result, inventoryAfter: await this.readInventory(packageIds, confirmed) };
  }

  generateKey(spec: GenerateKeySpec): Promise<KeyGroup> {
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(spec.id)) return Promise.reject(new HsmError('invalid-data', `Key id "${spec.id}" is not hex.`));
    return this.run('generate a key', (s) =>
      keyOps.generateKey(s, this.label, {
        keyType: spec.keyType,
        ...(spec.size !== undefined ? { size: spec.size } : {}),
        ...(spec.curve !== undefined ? { curve: spec.curve } : {}),
        label: spec.label,
        id: Buffer.from(spec.id, 'hex'),
        extractable: spec.extractable ?? true,
        ...(spec.usages ? { usages: [...spec.usages] } : {}),
      }),
    );
  }

  sign(selector: KeySelector, data: Buffer): Promise<Buffer> {
    return this.run('sign', (s) => keyOps.sign(s, this.label, normalize(selector), data));
  }

  publicKeyDer(selector: KeySelector): Promise<Buffer | null> {
    return this.run('read a public key', (s) => keyOps.locate(s, normalize(selector), this.label).publicKeyDer ?? null);
  }

  encrypt(selector: KeySelector, data: Buffer): Promise<Buffer> {
    return this.run('encrypt', (s) => keyOps.encrypt(s, this.label, normalize(selector), data));
  }

  decrypt(selector: KeySelector, data: Buffer): Promise<Buffer> {
    return this.run('decrypt', (s) => keyOps.decrypt(s, this.label, normalize(selector), data));
  }

  importCertificate(selector: KeySelector, certificateDer: Buffer): Promise<KeyGroup> {
    return this.run('import a certificate', (s) => keyOps.importCertificate(s, this.label, normalize(selector), certificateDer));
  }

  countObjects(): Promise<number> {
    return this.run('count objects', (s) => s.find([{ type: pkcs11.CKA_TOKEN, value: true }]).length);
  }

  async destroyKeyGroup(key: RetiredKey, onDestroyed?: (done: number) => void): Promise<DestroyedKeyGroup> {
    const retired = { class: key.class, id: key.id.toLowerCase(), fingerprint: key.fingerprint.toLowerCase() };
    const { destroyed, otherKeys } = await this.run('destroy a retired key', (s) =>
      keyOps.withReader(s, (reader) => {
        const objects = findRetiredObjects(s, reader, retired);
        return { destroyed: destroyRetiredObjects(s, reader, retired, objects, onDestroyed), otherKeys: objects.otherKeys };
      }),
    );
    // A fresh session and reader: the proof reads the token, not what this one remembers.
    const remaining = await this.run('verify a retired key is gone', (s) => keyOps.withReader(s, (reader) => retiredObjectCount(findRetiredObjects(s, reader, retired))));
    return { destroyed, remaining, otherKeys };
  }

  private async run<T>(operation: string, fn: (session: HsmSession) => T | Promise<T>): Promise<T> {
    if (this.closed) throw new HsmError('session', `Token "${this.label}" is closed: open it again.`);
    const { lib, modulePath } = this.lease;
    let handle: Handle | undefined;
    try {
      handle = lib.C_OpenSession(this.slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
      return await fn(new HsmSession(lib, handle, this.profile, modulePath));
    } catch (error) {
      throw toHsmError(error, operation, this.label);
    } finally {
      if (handle) {
        try {
          lib.C_CloseSession(handle);
        } catch {
          // Nothing to undo: a lost session takes its objects and operations with it.
        }
      }
    }
  }
}

function normalize(selector: KeySelector): KeySelector {
  return { class: selector.class, id: selector.id.toLowerCase() };
}
