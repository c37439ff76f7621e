// Fills the metrics of libs/metrics from Temporal at scrape time (why, see keysync-metrics.ts):
// the latest completed driftWatch of each cluster, visibility counts by kind and state, and the
// drift-started syncs that completed since this API started. Scrapes within `freshForMs` share
// one refresh, so a busy scraper cannot turn into a stream of visibility queries.
import { Injectable } from '@nestjs/common';
import { createKeySyncMetrics, operationStates } from '../../../libs/metrics';
import type { KeySyncMetrics } from '../../../libs/metrics';
import { driftMemberStatuses } from '../../../libs/contract/drift';
import type { DriftWatchResult } from '../../../libs/contract/drift';
import { KeySyncState } from '../../../libs/contract/search-attributes';
import { ApiConfig } from '../config/api-config';
import { TemporalGateway } from '../temporal/temporal-gateway';
import { completedDriftWatchesQuery, kindInStateQuery, syncsCompletedAfterQuery } from '../temporal/visibility-queries';

const freshForMs = 2_000;
/** Drift-started syncs already counted in the histogram are remembered; beyond this, the oldest are forgotten. */
const maxRemembered = 10_000;

@Injectable()
export class MetricsService {
  private readonly metrics: KeySyncMetrics = createKeySyncMetrics();
  private readonly startedAt = new Date();
  private readonly observed = new Set<string>();
  private readonly latestDrift = new Map<string, { runId: string; result: DriftWatchResult }>();
  private refreshing: Promise<void> | null = null;
  private refreshedAt = 0;

  constructor(
    private readonly temporal: TemporalGateway,
    private readonly config: ApiConfig,
  ) {}

  get contentType(): string {
    return this.metrics.registry.contentType;
  }

  async render(): Promise<string> {
    if (Date.now() - this.refreshedAt > freshForMs) {
      this.refreshing ??= this.refresh().finally(() => {
        this.refreshing = null;
      });
      await this.refreshing;
    }
    return this.metrics.registry.metrics();
  }

  private async refresh(): Promise<void> {
    const clusters = this.config.keysync.clusters.map((cluster) => cluster.id);
    const [drift, counts, healed] = await Promise.all([
      Promise.all(clusters.map((cluster) => this.latestDriftResult(cluster))),
      Promise.all(clusters.map((cluster) => this.operationCounts(cluster))),
      Promise.all(clusters.map((cluster) => this.healedSince(cluster))),
    ]);
    const { metrics } = this;
    for (const gauge of [metrics.memberKeys, metrics.memberMissingKeys, metrics.memberStatus, metrics.driftKeys, metrics.driftConflicts, metrics.driftDuplicated, metrics.driftNotExportable, metrics.driftRetired, metrics.driftDiffers, metrics.driftLastCheck, metrics.operations]) {
      gauge.reset();
    }
    clusters.forEach((cluster, index) => {
      const result = drift[index];
      if (result) {
        for (const member of result.members) {
          if (member.keyCount !== null) metrics.memberKeys.set({ cluster, member: member.member }, member.keyCount);
          metrics.memberMissingKeys.set({ cluster, member: member.member }, member.missingCount);
          for (const status of driftMemberStatuses) metrics.memberStatus.set({ cluster, member: member.member, status }, member.status === status ? 1 : 0);
        }
        metrics.driftKeys.set({ cluster }, result.drift.length);
        metrics.driftConflicts.set({ cluster }, result.conflicts.length);
        // Drift watches recorded before duplicates were reported have no duplicatedOn: none seen.
        metrics.driftDuplicated.set({ cluster }, result.drift.filter((entry) => (entry.duplicatedOn ?? []).length > 0).length);
        metrics.driftNotExportable.set({ cluster }, result.notExportable.length);
        // Drift watches recorded before retires existed have no retired list: none seen.
        metrics.driftRetired.set({ cluster }, (result.retired ?? []).length);
        // Drift watches recorded before differences were compared have no differsOn: none seen.
        metrics.driftDiffers.set({ cluster }, result.drift.filter((entry) => (entry.differsOn ?? []).length > 0).length);
        metrics.driftLastCheck.set({ cluster }, Date.parse(result.checkedAt) / 1000);
      }
      for (const { kind, state, count } of counts[index] ?? []) metrics.operations.set({ cluster, kind, state }, count);
      for (const { trigger, seconds } of healed[index] ?? []) metrics.detectionToInSync.observe({ cluster, trigger }, seconds);
    });
    this.refreshedAt = Date.now();
  }

  /** The result of the newest completed driftWatch run of the cluster (each run's result is read once). */
  private async latestDriftResult(cluster: string): Promise<DriftWatchResult | null> {
    let newest: { workflowId: string; runId: string; startTime: Date } | null = null;
    let seen = 0;
    for await (const execution of this.temporal.list(completedDriftWatchesQuery(cluster), 20)) {
      if (newest === null || execution.startTime > newest.startTime) newest = { workflowId: execution.workflowId, runId: execution.runId, startTime: execution.startTime };
      if (++seen >= 20) break;
    }
    if (newest === null) return this.latestDrift.get(cluster)?.result ?? null;
    const cached = this.latestDrift.get(cluster);
    if (cached?.runId === newest.runId) return cached.result;
    const result = await this.temporal.result<DriftWatchResult>(newest.workflowId, newest.runId);
    this.latestDrift.set(cluster, { runId: newest.runId, result });
    return result;
  }

  private async operationCounts(cluster: string): Promise<{ kind: string; state: string; count: number }[]> {
    const pairs = Object.entries(operationStates).flatMap(([kind, states]) => states.map((state) => ({ kind, state })));
    return Promise.all(
      pairs.map(async ({ kind, state }) => {
        return { kind, state, count: await this.temporal.count(kindInStateQuery(cluster, kind, state)) };
      }),
    );
  }

  /** Seconds from detection to completion of the automatic syncs that completed since the last look. */
  private async healedSince(cluster: string): Promise<{ trigger: string; seconds: number }[]> {
    const durations: { trigger: string; seconds: number }[] = [];
    for await (const execution of this.temporal.list(syncsCompletedAfterQuery(cluster, this.startedAt))) {
      const memo = execution.memo as { detectedAt?: unknown; automatic?: unknown } | undefined;
      const detectedAt = memo?.detectedAt;
      const key = `${execution.workflowId}/${execution.runId}`;
      if (typeof detectedAt !== 'string' || !execution.closeTime || this.observed.has(key)) continue;
      if (execution.typedSearchAttributes.get(KeySyncState) !== 'completed') continue;
      this.remember(key);
      const trigger = memo?.automatic === 'avail' ? 'availability' : 'drift';
      durations.push({ trigger, seconds: Math.max(0, (execution.closeTime.getTime() - Date.parse(detectedAt)) / 1000) });
    }
    return durations;
  }

  private remember(key: string): void {
    this.observed.add(key);
    if (this.observed.size > maxRemembered) this.observed.delete(this.observed.values().next().value as string);
  }
}
