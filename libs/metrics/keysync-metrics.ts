// The metrics KeySync exposes at /metrics (Prometheus text format, prom-client), defined once.
// Each API instance gets its own registry, so tests that run several in one process never share
// or double-register series.
//
// Where the figures come from: Temporal is the engine of record (DESIGN section 2), so the API
// computes them at scrape time from Temporal visibility and the latest driftWatch result, and
// keeps no counter of its own that a restart or a second API instance would get wrong. HSM call
// latency is the one figure only the process that makes the calls can see: the worker exports
// Temporal's per-activity execution latency (activity_type and member task_queue labels) on its
// own port, see worker-telemetry.ts.
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { keySyncStates } from '../contract/search-attributes';
import type { KeySyncKindValue } from '../contract/search-attributes';

export interface KeySyncMetrics {
  registry: Registry;
  memberKeys: Gauge<'cluster' | 'member'>;
  memberMissingKeys: Gauge<'cluster' | 'member'>;
  memberStatus: Gauge<'cluster' | 'member' | 'status'>;
  driftKeys: Gauge<'cluster'>;
  driftConflicts: Gauge<'cluster'>;
  driftDuplicated: Gauge<'cluster'>;
  driftNotExportable: Gauge<'cluster'>;
  driftRetired: Gauge<'cluster'>;
  driftDiffers: Gauge<'cluster'>;
  driftLastCheck: Gauge<'cluster'>;
  operations: Gauge<'cluster' | 'kind' | 'state'>;
  detectionToInSync: Histogram<'cluster' | 'trigger'>;
}

export function createKeySyncMetrics(registry = new Registry()): KeySyncMetrics {
  collectDefaultMetrics({ register: registry, prefix: 'keysync_api_' });
  const registers = [registry];
  return {
    registry,
    memberKeys: new Gauge({ name: 'keysync_member_keys', help: 'Key groups on each member, as the latest drift watch saw them.', labelNames: ['cluster', 'member'], registers }),
    memberMissingKeys: new Gauge({
      name: 'keysync_member_missing_keys',
      help: 'Keys other members hold that this member lacks (conflicts not counted), latest drift watch.',
      labelNames: ['cluster', 'member'],
      registers,
    }),
    memberStatus: new Gauge({
      name: 'keysync_member_status',
      help: 'A member as the latest drift watch saw it: 1 for its status (in-sync, lacking, unreachable, no-cluster-secrets, other-cluster), 0 otherwise.',
      labelNames: ['cluster', 'member', 'status'],
      registers,
    }),
    driftKeys: new Gauge({ name: 'keysync_drift_keys', help: 'Keys not held identically by every member that answered the latest drift watch.', labelNames: ['cluster'], registers }),
    driftConflicts: new Gauge({ name: 'keysync_drift_conflicts', help: 'Keys whose id carries different keys on different members (an operator must decide).', labelNames: ['cluster'], registers }),
    driftDuplicated: new Gauge({
      name: 'keysync_drift_duplicated_keys',
      help: 'Keys some member holds in identical surplus copies (drift state duplicated; a sync to it or keysync repair removes them), latest drift watch.',
      labelNames: ['cluster'],
      registers,
    }),
    driftNotExportable: new Gauge({ name: 'keysync_drift_not_exportable_keys', help: 'Missing keys that no holder can wrap (CKA_EXTRACTABLE false).', labelNames: ['cluster'], registers }),
    driftRetired: new Gauge({
      name: 'keysync_drift_retired_keys',
      help: 'Keys retired through KeySync (drift state retired) still found on some member, latest drift watch: a retire that has not reached a member yet, or did not finish.',
      labelNames: ['cluster'],
      registers,
    }),
    driftDiffers: new Gauge({
      name: 'keysync_drift_differs_keys',
      help: 'Keys some member holds with another label or certificate object than the reference member (drift state differs), latest drift watch: a sync updates them; drift auto heals certificates only.',
      labelNames: ['cluster'],
      registers,
    }),
    driftLastCheck: new Gauge({ name: 'keysync_drift_last_check_timestamp_seconds', help: 'When the latest completed drift watch looked, Unix time.', labelNames: ['cluster'], registers }),
    operations: new Gauge({
      name: 'keysync_operations',
      help: 'Workflows Temporal holds (within retention) by kind (sync, repair, member-sync, join, drift-watch, retire, member-retire, tombstone) and state (outcome; for member-sync and member-retire, the member state; for tombstone, retired or lifted).',
      labelNames: ['cluster', 'kind', 'state'],
      registers,
    }),
    detectionToInSync: new Histogram({
      name: 'keysync_drift_detection_to_in_sync_seconds',
      help: 'From finding a gap (trigger drift: the drift watch run; availability: the sync=true request) to the end of the sync that closed it, for syncs completed since this API started.',
      labelNames: ['cluster', 'trigger'],
      buckets: [1, 2, 5, 10, 30, 60, 120, 300, 900, 3600],
      registers,
    }),
  };
}

/** The kinds keysync_operations counts, each with the states its KeySyncState takes (the contract's lists). */
export const operationStates = {
  sync: keySyncStates.sync,
  join: keySyncStates.join,
  repair: keySyncStates.repair,
  'member-sync': keySyncStates['member-sync'],
  'drift-watch': keySyncStates['drift-watch'],
  retire: keySyncStates.retire,
  'member-retire': keySyncStates['member-retire'],
  // retired: tombstones standing; lifted: retired keys an operator restored.
  tombstone: keySyncStates.tombstone,
} as const satisfies Partial<Record<KeySyncKindValue, readonly string[]>>;
