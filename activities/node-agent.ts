// The node agent's activities: registered on `keysync.<cluster>.<member>`, the only code that
// opens that member's token. Inputs and outputs are references, fingerprints and counts (see
// libs/contract/activities.ts); bytes go through the package store. Every write to the token runs
// inside the member's write lock (member-write-lock.ts), so concurrent operations never duplicate a
// key.
import { Context, asyncLocalStorage } from '@temporalio/activity';
import { FailureTypes } from '../libs/contract/failure-types';
import { sha256Hex } from '../libs/digest';
import type { MemberConfig } from '../libs/config/types';
import type {
  ExportKeysInput,
  ExportKeysResult,
  ImportPackageInput,
  ImportPackageResult,
  NodeAgentActivities,
  TransportKeyResult,
  WrapSecretsForJoinInput,
  WrapSecretsForJoinResult,
} from '../libs/contract/activities';
import type { TokenCapabilities } from '../libs/contract/hsm-capabilities';
import type { ClusterSecretsKcv, KeyGroup } from '../libs/contract/keys';
import type { DestroyKeyGroupInput, DestroyKeyGroupResult } from '../libs/contract/retire';
import type { SurveyTokenInput, TokenSurvey } from '../libs/contract/token-survey';
import { HsmError } from '../libs/hsm/errors';
import { negotiateOaepHash } from '../libs/hsm/join-oaep-hash';
import { openToken } from '../libs/hsm/open-token';
import type { PackageStore } from '../libs/package-store';
import { failure, mapFailures } from './failures';
import { createMemberWriteLock } from './member-write-lock';
import type { MemberWriteLock } from './member-write-lock';
import { createTokenSource } from './token-source';
import type { OpenToken, TokenSource } from './token-source';

export interface NodeAgentDeps {
  member: MemberConfig;
  clusterId: string;
  packageStore: PackageStore;
  /** The agent's token, which the caller closes on shutdown; default: one opened from `member` with `openToken`, open for the life of the process. */
  tokens?: TokenSource;
  /** Default: libs/hsm's openToken. */
  openToken?: OpenToken;
  /** Where the host-wide write lock of the member's token lives (configuration `locks.dir`); default: defaultLockDir(). */
  lockDir?: string;
}

/**
 * An activity's log line (through the worker's pino logger, with the activity's ids): counts,
 * digests and fingerprints only. Silent when called outside an activity, as unit tests do.
 */
function note(message: string, meta: Record<string, unknown>): void {
  asyncLocalStorage.getStore()?.log.info(message, meta);
}

/** Import progress is heartbeated at most this often, and on the last entry. */
const HEARTBEAT_EVERY_MS = 1_000;

export function createNodeAgentActivities(deps: NodeAgentDeps): NodeAgentActivities {
  const { member, clusterId, packageStore } = deps;
  const tokens = deps.tokens ?? createTokenSource(member, deps.openToken ?? openToken);
  const run = <T>(body: () => Promise<T>): Promise<T> => mapFailures(member.id, body);
  const writeLock: MemberWriteLock = createMemberWriteLock(member, {
    ...(deps.lockDir !== undefined ? { dir: deps.lockDir } : {}),
    // Called from the lock's refresh timer, outside any activity: stderr reaches the worker's log.
    onCompromised: (error) => {
      process.emitWarning(`The write lock of member ${member.id} was taken over while held (${error.message}): another agent process may have written at the same time. Check that each member runs one agent.`);
    },
  });
  /** A write to the token, once no other writer of it runs; heartbeats while it waits, so a long queue is not taken for a dead agent. */
  const write = <T>(body: () => Promise<T>): Promise<T> => {
    const context = asyncLocalStorage.getStore();
    return writeLock.run(body, context ? { onWait: () => context.heartbeat({ waitingForWriteLock: true }), signal: context.cancellationSignal } : {});
  };

  return {
    async reportClusterSecrets(): Promise<ClusterSecretsKcv | null> {
      return run(() => tokens.withToken((token) => token.clusterSecretsKcv()));
    },

    async reportCapabilities(): Promise<TokenCapabilities> {
      return run(() => tokens.withToken((token) => Promise.resolve(token.capabilities())));
    },

    async inventoryKeys(): Promise<KeyGroup[]> {
      return run(() => tokens.withToken((token) => token.inventory()));
    },

    async surveyToken({ keyIds }: SurveyTokenInput): Promise<TokenSurvey> {
      return run(() =>
        tokens.withToken(async (token) => {
          const kcv = await token.clusterSecretsKcv();
          return { kcv, inventory: await token.inventory(keyIds), capabilities: token.capabilities() };
        }),
      );
    },

    async exportKeys({ keys, ttlSeconds, wrapFormat }: ExportKeysInput): Promise<ExportKeysResult> {
      return run(async () => {
        const exported = await tokens.withToken((token) => token.exportPackage({ clusterId, sourceMember: member.id, keys, ttlSeconds, ...(wrapFormat ? { wrapFormat } : {}) }));
        const stored = await packageStore.put(exported.bytes);
        // The store names the file by the same SHA-256 the package reference carries; a mismatch is a bug, not a retry.
        if (stored.digest !== exported.ref.digest) throw new Error(`The package store named the package ${stored.digest}, the HSM layer ${exported.ref.digest}.`);
        note('package exported', { member: member.id, digest: stored.digest, wrapFormat: exported.wrapFormat, keyCount: exported.entries.length, notExportable: exported.notExportable.length, missing: exported.missing.length });
        return {
          package: { digest: stored.digest, size: stored.size, keyCount: exported.entries.length },
          wrapFormat: exported.wrapFormat,
          entries: exported.entries.map(({ class: keyClass, id, label, fingerprint }) => ({ class: keyClass, id, label, fingerprint })),
          notExportable: exported.notExportable.map(({ class: keyClass, id }) => ({ class: keyClass, id })),
        };
      });
    },

    async importPackage({ package: ref, update, inventoryAfter }: ImportPackageInput): Promise<ImportPackageResult> {
      return run(async () => {
        const bytes = await packageStore.get(ref.digest);
        const context = Context.current();
        let lastBeat = 0;
        const result = await write(() => tokens.withToken((token) =>
          token.importPackage(bytes, {
            clusterId,
            expectedDigest: ref.digest,
            onProgress: (done: number, total: number) => {
              // Heartbeats carry counts only; they also let the server deliver a cancellation.
              const now = Date.now();
              if (now - lastBeat >= HEARTBEAT_EVERY_MS || done === total) {
                lastBeat = now;
                context.heartbeat({ done, total });
              }
            },
            shouldStop: () => context.cancellationSignal.aborted,
            ...(update ? { update } : {}),
            ...(inventoryAfter ? { inventoryAfter } : {}),
          }),
        ));
        // The import stopped between two key groups because the activity was cancelled: report it as such.
        if (context.cancellationSignal.aborted) {
          note('import stopped by cancellation', { member: member.id, digest: ref.digest, handled: result.entries.length });
          throw context.cancellationSignal.reason ?? new Error('cancelled');
        }
        note('package imported', { member: member.id, digest: ref.digest, imported: result.imported, skipped: result.skipped, conflicts: result.conflicts, copiesRemoved: result.copiesRemoved ?? 0, incompleteRemoved: result.incompleteRemoved ?? 0, ...(update ? { updated: result.updated ?? 0, notUpdated: result.notUpdated ?? 0 } : {}) });
        return result;
      });
    },

    async createTransportKey(): Promise<TransportKeyResult> {
      return run(async () => {
        const key = await write(() => tokens.withToken((token) => token.createTransportKey()));
        return { fingerprint: key.fingerprint, publicKeyDer: Buffer.from(key.publicKeyDer).toString('base64'), oaepHashes: key.oaepHashes };
      });
    },

    async wrapSecretsForJoin({ transportPublicKeyDer, transportFingerprint, oaepHash, joiningOaepHashes }: WrapSecretsForJoinInput): Promise<WrapSecretsForJoinResult> {
      return run(async () => {
        const der = Buffer.from(transportPublicKeyDer, 'base64');
        const fingerprint = sha256Hex(der);
        if (fingerprint !== transportFingerprint.toLowerCase()) {
          throw failure(
            FailureTypes.transportKeyMismatch,
            `Member ${member.id} refuses to wrap the cluster secrets: the transport key's fingerprint ${fingerprint} is not the approved ${transportFingerprint}. Start the join again and have the approvers confirm the new key.`,
            true,
          );
        }
        const wrapped = await tokens.withToken((token) => {
          const sponsorHashes = token.capabilities().oaepHashes;
          // Explicit when the workflow chose it; else chosen here from the joining token's hashes; a join that knows neither keeps the sponsor's strongest.
          const hash = oaepHash ?? (joiningOaepHashes ? negotiateOaepHash(sponsorHashes, joiningOaepHashes) : sponsorHashes[0]);
          if (!hash) throw new HsmError('unsupported', `Member ${member.id}'s token has no RSA-OAEP: it cannot sponsor a join; choose another sponsor.`);
          return token.wrapClusterSecretsForTransport(der, hash);
        });
        const stored = await packageStore.put(wrapped.blob);
        note('cluster secrets wrapped for a joining member', { member: member.id, transportFingerprint: fingerprint, blobDigest: stored.digest, oaepHash: wrapped.oaepHash });
        return { blob: { digest: stored.digest, size: stored.size, keyCount: 2 }, oaepHash: wrapped.oaepHash };
      });
    },

    async destroyKeyGroup({ key }: DestroyKeyGroupInput): Promise<DestroyKeyGroupResult> {
      return run(async () => {
        const context = Context.current();
        const result = await write(() => tokens.withToken((token) => token.destroyKeyGroup(key, (done) => context.heartbeat({ destroyed: done }))));
        note('retired key destroyed', { member: member.id, class: key.class, id: key.id, fingerprint: key.fingerprint, destroyed: result.destroyed, remaining: result.remaining, otherKeys: result.otherKeys.length });
        if (result.remaining > 0) {
          // Retryable: the next attempt finds what is left by its identity and destroys it.
          throw failure(FailureTypes.hsmError, `Member ${member.id} still holds ${result.remaining} object(s) of the retired key ${key.label} (${key.class} ${key.id}) after the destroy; retrying.`, false);
        }
        return { destroyed: result.destroyed, remaining: result.remaining };
      });
    },

    async receiveClusterSecrets({ blob }: { operationId: string; blob: { digest: string } }): Promise<ClusterSecretsKcv> {
      return run(async () => {
        const bytes = await packageStore.get(blob.digest);
        const kcv = await write(() => tokens.withToken((token) => token.unwrapClusterSecretsFromTransport(bytes)));
        note('cluster secrets received', { member: member.id, blobDigest: blob.digest, ktkKcv: kcv.ktkKcv, pmkKcv: kcv.pmkKcv });
        return kcv;
      });
    },
  };
}
