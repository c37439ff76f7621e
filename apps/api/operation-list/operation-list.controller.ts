import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { KeySyncKind, KeySyncMembers, KeySyncState } from '../../../libs/contract/search-attributes';
import { operationKinds, operationStatuses } from '../../../libs/contract/operations';
import type { OperationKind, OperationStatus } from '../../../libs/contract/operations';
import { Authenticated } from '../auth/auth-decorators';
import { ClusterParams } from '../clusters/cluster-params.dto';
import { ApiConfig } from '../config/api-config';
import { ApiInvalidInput, ApiTemporalUnavailable, ApiUnknownId } from '../openapi/error-answers';
import type { OperationMemo } from '../temporal/operation-starter';
import { TemporalGateway } from '../temporal/temporal-gateway';
import { clusterOperationsQuery } from '../temporal/visibility-queries';
import { OperationListDto, OperationListQueryDto, type OperationSummaryDto } from './operation-list.dto';

/** Enough for a page a person reads; older operations stay in Temporal and the audit trail. */
const maxOperations = 200;

@ApiTags('operations')
@Authenticated()
@Controller('clusters')
export class OperationListController {
  constructor(
    private readonly config: ApiConfig,
    private readonly temporal: TemporalGateway,
  ) {}

  @Get(':cluster/operations')
  @ApiOperation({ summary: 'The cluster’s syncs, repairs, joins and retires, newest first, with their state and age (any role).' })
  @ApiOkResponse({ type: OperationListDto })
  @ApiInvalidInput()
  @ApiUnknownId('cluster-not-found: no such cluster.')
  @ApiTemporalUnavailable()
  async list(@Param() params: ClusterParams, @Query() query: OperationListQueryDto): Promise<OperationListDto> {
    this.config.cluster(params.cluster);
    const operations: OperationSummaryDto[] = [];
    for await (const execution of this.temporal.list(clusterOperationsQuery(params.cluster, operationKinds, query.state), 100)) {
      const kind = execution.typedSearchAttributes.get(KeySyncKind) as OperationKind | undefined;
      const recorded = execution.typedSearchAttributes.get(KeySyncState);
      const state = stateOf(execution.status.name, recorded);
      const memo = execution.memo as Partial<OperationMemo> | undefined;
      operations.push({
        operationId: execution.workflowId,
        kind: kind ?? 'sync',
        state,
        startTime: execution.startTime.toISOString(),
        ...(execution.closeTime ? { closeTime: execution.closeTime.toISOString() } : {}),
        ...(typeof memo?.requestedBy === 'string' ? { requestedBy: memo.requestedBy } : {}),
        members: execution.typedSearchAttributes.get(KeySyncMembers) ?? [],
      });
      if (operations.length >= maxOperations) break;
    }
    return { cluster: params.cluster, operations };
  }
}

/**
 * The state the operation recorded; a workflow that closed without recording its end (terminated,
 * timed out) says so by its status.
 */
function stateOf(status: string, recorded: string | undefined): OperationStatus {
  if (status === 'CANCELLED') return 'cancelled';
  if (status !== 'RUNNING' && status !== 'COMPLETED') return 'failed';
  return operationStatuses.includes(recorded as OperationStatus) ? (recorded as OperationStatus) : 'running';
}
