// The availability gate (keyAvailability, GET .../keys/{keyId}/availability): whether a key is on
// every member yet, or once a sync has brought it.
import type { AgentTiming } from './agent-timing';
import type { ClusterSnapshot } from './cluster';

/** Where a key is, per member. `different`: the member holds another key under its id. */
export const keyPresences = ['present', 'missing', 'different', 'unreachable'] as const;
export type KeyPresence = (typeof keyPresences)[number];

export interface KeyAvailabilityInput {
  cluster: ClusterSnapshot;
  /** CKA_ID, lower-case hex. */
  keyId: string;
  /** How long to wait for the key to be on every member; 0 answers at once. */
  waitSeconds: number;
  /** Start a keySync from a holder to the members that lack the key (the API allows it to operators only). */
  sync: boolean;
  requestedBy: string;
  timing?: Partial<AgentTiming>;
}

export interface KeyAvailabilityResult {
  cluster: string;
  keyId: string;
  /** The key is on every member, with the same fingerprint. */
  available: boolean;
  members: { member: string; presence: KeyPresence }[];
  /** Members that lack the key, or hold another under its id, or did not answer. */
  lacking: string[];
  /** Members hold different keys under this id: no sync is started, an operator decides. */
  conflicting: boolean;
  /** The key is somewhere but no holder can wrap it. */
  notExportable: boolean;
  /** The keySync started (or found running) for this request. */
  operationId: string | null;
  /** Seconds between the request and the answer (workflow time). */
  waitedSeconds: number;
  /** A sentence for the caller when the key is not available: why and what to do. */
  message?: string;
}
