// The raw histories of an operation, for replay: the operation's workflow, then each member's
// memberSync (and for a join, its key sync and that sync's members; for a retire, each member's memberRetire).
import { Injectable } from '@nestjs/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { memberRetireWorkflowId, memberSyncWorkflowId } from '../../../libs/contract/workflow-ids';
import type { OperationMemo } from '../temporal/operation-starter';
import { TemporalGateway } from '../temporal/temporal-gateway';
import type { HistoriesDto, WorkflowHistoryDto } from './approval.dto';
import { parseOperationId } from './operation-id';
import { OperationReader } from './operation-reader';

@Injectable()
export class HistoryService {
  constructor(
    private readonly temporal: TemporalGateway,
    private readonly reader: OperationReader,
  ) {}

  async histories(operationId: string): Promise<HistoriesDto> {
    const resolved = await this.reader.resolve(operationId);
    const ids = [operationId, ...(await this.memberWorkflowIds(operationId, (resolved.description.memo ?? {})))];
    const histories: WorkflowHistoryDto[] = [];
    for (const workflowId of new Set(ids)) {
      const history = await this.fetch(workflowId);
      if (history) histories.push(history);
    }
    return { operationId, histories };
  }

  private async memberWorkflowIds(operationId: string, memo: Partial<OperationMemo>): Promise<string[]> {
    const parsed = parseOperationId(operationId);
    if (parsed.kind === 'member-sync' || parsed.kind === 'member-retire') return [];
    // Every member takes part in a retire: each one's memberRetire is its audit record.
    if (parsed.kind === 'retire') return (memo.members ?? []).map((member) => memberRetireWorkflowId(operationId, member));
    if (parsed.kind === 'sync') {
      // Member ids are deterministic, so this works without asking a worker.
      return (memo.members ?? []).slice(1).map((member) => memberSyncWorkflowId(operationId, member));
    }
    const view = await this.reader.read(operationId);
    const keySyncId = view.join?.keySyncWorkflowId;
    if (!keySyncId) return [];
    const child = await this.temporal.describe(keySyncId).catch(() => null);
    const childMembers = child ? await this.memberWorkflowIds(keySyncId, (child.memo ?? {})) : [];
    const fromState = await this.reader.read(keySyncId).then((sync) => sync.members.flatMap((member) => (member.workflowId ? [member.workflowId] : [])), () => []);
    return [keySyncId, ...childMembers, ...fromState];
  }

  private async fetch(workflowId: string): Promise<WorkflowHistoryDto | null> {
    try {
      const description = await this.temporal.describe(workflowId);
      const history = await this.temporal.fetchHistory(workflowId);
      return { workflowId, runId: description.runId, history: JSON.parse(historyToJSON(history)) as Record<string, unknown> };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }
}
