// The short read-only workflows the API runs for an answer that needs the members (it holds no
// HSM): each one's input, id and bound, built from a request the controller has already checked.
// Pure: runShortWorkflow sends them through the TemporalGateway.
import { randomUUID } from 'node:crypto';
import type { ClusterConfig } from '../../../libs/config/types';
import type { ClusterInventoryInput } from '../../../libs/contract/cluster-inventory';
import type { KeyAvailabilityInput } from '../../../libs/contract/key-availability';
import { KeySyncCluster, KeySyncKind } from '../../../libs/contract/search-attributes';
import { clusterInventoryWorkflowId, keyAvailabilityWorkflowId } from '../../../libs/contract/workflow-ids';
import { workflowTypes } from '../../../libs/contract/workflow-types';
import { clusterSnapshot } from './cluster-snapshot';
import type { ShortWorkflow } from './run-short-workflow';

/** Beyond the caller's wait: time for one look at every member (a down one is probed for 3 s). */
const availabilityMarginSeconds = 30;
/** One look at every member: a down one is given up on after its probe (3 s), a slow HSM after its deadline. */
const inventoryBoundSeconds = 90;

export interface AvailabilityCheck {
  cluster: ClusterConfig;
  /** Lower-case hex. */
  keyId: string;
  waitSeconds: number;
  /** Start a sync from a holder to those that lack it (the controller has checked the role). */
  sync: boolean;
  requestedBy: string;
}

export function availabilityRun(check: AvailabilityCheck): ShortWorkflow {
  const { cluster, keyId } = check;
  const input: KeyAvailabilityInput = { cluster: clusterSnapshot(cluster), keyId, waitSeconds: check.waitSeconds, sync: check.sync, requestedBy: check.requestedBy };
  return {
    workflowType: workflowTypes.keyAvailability,
    workflowId: keyAvailabilityWorkflowId(cluster.id, keyId, randomUUID()),
    args: [input],
    boundSeconds: check.waitSeconds + availabilityMarginSeconds,
    searchAttributes: [
      { key: KeySyncCluster, value: cluster.id },
      { key: KeySyncKind, value: 'availability' },
    ],
    what: 'the availability check',
  };
}

export function inventoryRun(cluster: ClusterConfig): ShortWorkflow {
  const input: ClusterInventoryInput = { cluster: clusterSnapshot(cluster) };
  return {
    workflowType: workflowTypes.clusterInventory,
    workflowId: clusterInventoryWorkflowId(cluster.id, randomUUID()),
    args: [input],
    boundSeconds: inventoryBoundSeconds,
    searchAttributes: [
      { key: KeySyncCluster, value: cluster.id },
      { key: KeySyncKind, value: 'inventory' },
    ],
    what: 'the inventory',
  };
}
