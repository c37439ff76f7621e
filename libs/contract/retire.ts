// The vocabulary of a retire (DESIGN section 13): a key destroyed on every member, after approvals
// collected once for the whole operation and a recovery package kept, with a durable tombstone so
// that drift `auto` never brings it back. Recorded in histories: references, fingerprints, digests
// and counts, never key bytes and never a PIN.
import type { AgentTiming } from './agent-timing';
import type { ApprovalStatus, PreApproval } from './approvals';
import type { ClusterSnapshot, RetirePolicy } from './cluster';
import type { KeyClass, KeyRef } from './keys';
import type { MemberStatus, OperationState } from './operations';

/** `member` of a retire's approvals and challenge path: the approval covers every member at once. */
export const everyMember = '*';

/** DESIGN 13: 2 of the registered approvers, four eyes; the recovery package kept 30 days. */
export const defaultRetirePolicy: RetirePolicy = { approvals: 2, timeoutSeconds: 86_400, recoveryDays: 30 };

/** The retire policy of a cluster: its own, else the defaults (snapshots recorded before retires have none). */
export function retirePolicyOf(policy: ClusterSnapshot['policy']): RetirePolicy {
  return { ...defaultRetirePolicy, ...(policy.retire ?? {}) };
}

/** What approvers sign for a retire: the key, by class, id and fingerprint. */
export function retireSubject(key: Pick<KeyRef, 'class' | 'id' | 'fingerprint'>): string {
  return `retire:${key.class}:${key.id}:${key.fingerprint}`;
}

export interface RetireInput {
  cluster: ClusterSnapshot;
  /** The key as the API found it on the members: class, id, fingerprint and label. */
  key: KeyRef;
  /** Whether a member can export it; false: no recovery package (only with allowWithoutRecovery). */
  exportable: boolean;
  /** Members whose inventory showed the key, in the order a recovery package is asked of them. */
  holders: string[];
  /** Retire a key no member can export, so without a recovery package. */
  allowWithoutRecovery?: boolean;
  requestedBy: string;
  reason: string;
  timing?: Partial<AgentTiming>;
  /** Set only by the workflow itself when it continues as new, approved, during a long wait for a holder's agent. */
  resume?: { approvals: ApprovalStatus };
}

export const retirePhases = ['approval', 'recovery-package', 'tombstone', 'destroy', 'done'] as const;
export type RetirePhase = (typeof retirePhases)[number];

export interface RecoveryPackage {
  digest: string;
  /** When its import is refused (ISO 8601): policy.retire.recoveryDays after the export. */
  expiresAt: string;
}

/** A retire's state: the parent's `operation-state` query and its result. */
export interface RetireState extends OperationState {
  kind: 'retire';
  key: KeyRef;
  phase: RetirePhase;
  approvals: ApprovalStatus;
  recoveryPackage: RecoveryPackage | null;
  /** The tombstone workflow that records the retirement (tombstoneWorkflowId). */
  tombstone: string | null;
}

export type RetireResult = RetireState;

export interface MemberRetireInput {
  cluster: string;
  member: string;
  /** The parent retire's id. */
  operationId: string;
  requestedBy: string;
  reason: string;
  key: KeyRef;
  /** The retire's approvals, collected once for every member: this member's record shows them. */
  approvedBy: PreApproval;
  timing?: Partial<AgentTiming>;
  /** Set only by the workflow itself when it continues as new during a long wait for its node. */
  resume?: { attempts: number; objectsDestroyed: number };
}

/**
 * One member's part of a retire: its `member-state` query and its result, a MemberStatus whose
 * approvals are the retire's (covered by it), with the objects destroyed counted.
 */
export type MemberRetireResult = MemberStatus;

/** What the node agent destroys: one key group, named by its identity. */
export interface DestroyKeyGroupInput {
  operationId: string;
  key: KeyRef;
}

export interface DestroyKeyGroupResult {
  /** Objects destroyed by this attempt (a retry after a crash counts only what was left). */
  destroyed: number;
  /** Objects of the group still found after the destroy, checked in a fresh session: 0 when done. */
  remaining: number;
}

/** A durable record that a key was retired (see workflows/tombstone-workflow.ts for why a workflow). */
export interface Tombstone {
  cluster: string;
  key: KeyRef;
  /** The retire operation that made it. */
  retiredBy: string;
  retiredAt: string;
  recoveryPackage: RecoveryPackage | null;
}

export type TombstoneInput = Tombstone;

/** Why a tombstone ended: an operator's explicit sync or upload brought the key back. */
export interface TombstoneLift {
  /** The sync or upload that restored the key. */
  operationId: string;
  requestedBy: string;
}

export interface TombstoneResult extends Tombstone {
  liftedBy: TombstoneLift;
}

/** The tombstones of the keys a caller asks about: orchestrator activity retiredKeys. */
export interface RetiredKeysInput {
  cluster: string;
  keys: { class: KeyClass; id: string }[];
}

/** Where a retire request's key is, from every member's inventory: what the API checks before it starts one. */
export type RetireTarget =
  | { found: 'one'; key: KeyRef; exportable: boolean; holders: string[] }
  | { found: 'none' }
  /** The id names keys of several classes: the request must say which. */
  | { found: 'several-classes'; classes: KeyClass[] }
  /** Members hold different keys under this class and id: an operator decides which, not a retire. */
  | { found: 'different-keys'; fingerprints: string[] };

export interface MemberInventory {
  member: string;
  keys: readonly { class: KeyClass; id: string; label: string; fingerprint: string; exportable: boolean }[] | null;
}

/** Finds the key a retire names by id (and class) across the inventories of the members that answered. Pure. */
export function locateRetireTarget(inventories: readonly MemberInventory[], keyId: string, keyClass?: KeyClass): RetireTarget {
  const id = keyId.toLowerCase();
  const seen = inventories.flatMap((inventory) => (inventory.keys ?? []).filter((key) => key.id.toLowerCase() === id).map((key) => ({ member: inventory.member, key })));
  const classes = [...new Set(seen.map(({ key }) => key.class))].sort();
  if (seen.length === 0 || (keyClass !== undefined && !classes.includes(keyClass))) return { found: 'none' };
  if (keyClass === undefined && classes.length > 1) return { found: 'several-classes', classes };
  const chosen = seen.filter(({ key }) => key.class === (keyClass ?? classes[0]));
  const fingerprints = [...new Set(chosen.map(({ key }) => key.fingerprint.toLowerCase()))].sort();
  if (fingerprints.length > 1) return { found: 'different-keys', fingerprints };
  const first = chosen[0]!.key;
  return {
    found: 'one',
    key: { class: first.class, id, label: first.label, fingerprint: first.fingerprint.toLowerCase() },
    exportable: chosen.some(({ key }) => key.exportable),
    // Exportable holders first: the recovery package is asked of them in this order.
    holders: [...new Set([...chosen.filter(({ key }) => key.exportable), ...chosen].map(({ member }) => member))],
  };
}
