// A member's audit trail across all operations: Temporal visibility by the KeySyncCluster and
// KeySyncMembers search attributes, joined with the append-only audit archive, which keeps
// histories past the namespace's retention.
import { Injectable } from '@nestjs/common';
import { AuditArchive, type ArchiveEntry } from '../../../libs/audit-archive';
import { KeySyncKind, KeySyncState } from '../../../libs/contract/search-attributes';
import { TemporalGateway } from '../temporal/temporal-gateway';
import { memberTrailQuery } from '../temporal/visibility-queries';
import type { AuditEntryDto, AuditTrailDto } from './audit.dto';

/** Enough for any human reading; older entries remain in Temporal and the archive. */
const maxEntries = 500;

@Injectable()
export class AuditService {
  constructor(
    private readonly temporal: TemporalGateway,
    private readonly archive: AuditArchive,
  ) {}

  async trail(cluster: string, member: string): Promise<AuditTrailDto> {
    const archived = await this.archive.list({ cluster, member }).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === 'ENOENT') return [] as ArchiveEntry[];
      throw error;
    });
    const byRun = new Map(archived.map((entry) => [`${entry.workflowId}\n${entry.runId}`, entry]));
    const entries: AuditEntryDto[] = [];
    for await (const execution of this.temporal.list(memberTrailQuery(cluster, member))) {
      const key = `${execution.workflowId}\n${execution.runId}`;
      const record = byRun.get(key);
      byRun.delete(key);
      entries.push({
        workflowId: execution.workflowId,
        runId: execution.runId,
        workflowType: execution.type,
        kind: execution.typedSearchAttributes.get(KeySyncKind) ?? '',
        ...(execution.typedSearchAttributes.get(KeySyncState) ? { state: execution.typedSearchAttributes.get(KeySyncState) } : {}),
        status: execution.status.name,
        startTime: execution.startTime.toISOString(),
        ...(execution.closeTime ? { closeTime: execution.closeTime.toISOString() } : {}),
        archived: record ? { digest: record.digest, seq: record.seq, archivedAt: record.archivedAt } : null,
      });
      if (entries.length >= maxEntries) break;
    }
    // Histories Temporal no longer keeps (past retention) but the archive does.
    for (const record of byRun.values()) {
      entries.push({
        workflowId: record.workflowId,
        runId: record.runId,
        workflowType: '',
        kind: record.kind,
        archived: { digest: record.digest, seq: record.seq, archivedAt: record.archivedAt },
      });
    }
    entries.sort((a, b) => (b.startTime ?? b.archived?.archivedAt ?? '').localeCompare(a.startTime ?? a.archived?.archivedAt ?? ''));
    return { cluster, member, entries };
  }
}
