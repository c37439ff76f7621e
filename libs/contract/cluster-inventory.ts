// clusterInventory (GET /v1/clusters/{cluster}/inventory, `keysync inventory`): every member's
// keys and the drift between them, from one look that changes nothing.
import type { AgentTiming } from './agent-timing';
import type { ClusterSnapshot } from './cluster';
import type { DriftEntry } from './drift';
import type { ClusterSecretsKcv, KeyGroup } from './keys';
import type { LastError } from './operations';

/**
 * A key on one member, as the inventory table shows it: `different` another key under its id,
 * `duplicated` the usual key in identical surplus copies (a sync or `keysync repair` removes
 * them), `differs` the same key with another label or certificate object than the reference
 * member's (key-differences.ts; a sync from the reference updates it), `unknown` the member did
 * not answer, `retired` a key retired through KeySync still found there (its retire has not
 * reached that member yet, or did not finish).
 */
export const inventoryPresences = ['present', 'missing', 'different', 'duplicated', 'unknown', 'retired', 'differs'] as const;
export type InventoryPresence = (typeof inventoryPresences)[number];

export interface ClusterInventoryInput {
  cluster: ClusterSnapshot;
  timing?: Partial<AgentTiming>;
}

export interface MemberKeys {
  member: string;
  /** Null when the member's agent did not answer (see error). */
  keys: KeyGroup[] | null;
  /** False for a token without the cluster transfer secrets (not joined); null when unknown. */
  hasClusterSecrets: boolean | null;
  /** The check values of those secrets, equal on every member of one cluster; absent without them or in results recorded before. */
  clusterSecretsKcv?: ClusterSecretsKcv;
  error?: LastError;
}

export interface ClusterInventoryResult {
  cluster: string;
  checkedAt: string;
  members: MemberKeys[];
  /** Keys not held identically by every member that answered (retired keys are not drift). */
  drift: DriftEntry[];
  /** Retired keys (a standing tombstone) still found on a member; absent from results recorded before retires existed. */
  retired?: DriftEntry[];
}
