// Health of the pieces the API depends on: the Temporal frontend, and each member's node agent
// (seen as recent pollers on its activity task queue). Bounded by a deadline so a dead Temporal
// gives a quick "unreachable" instead of a hanging request.
import { Injectable } from '@nestjs/common';
import { memberTaskQueue } from '../../../libs/contract/task-queues';
import { ApiConfig } from '../config/api-config';
import { TemporalGateway } from '../temporal/temporal-gateway';
import type { HealthDto, MemberAgentHealthDto } from './health.dto';

const deadlineMs = 3_000;
/** A polling agent re-polls at least every ~70 s (long-poll timeout); older pollers are gone. */
const pollerFreshMs = 90_000;

@Injectable()
export class HealthService {
  constructor(
    private readonly temporal: TemporalGateway,
    private readonly config: ApiConfig,
  ) {}

  async health(): Promise<HealthDto> {
    const reachable = await this.temporalReachable();
    const members = await Promise.all(
      this.config.keysync.clusters.flatMap((cluster) =>
        cluster.members.map(async (member): Promise<MemberAgentHealthDto> => ({
          cluster: cluster.id,
          member: member.id,
          agent: reachable && (await this.agentPolling(memberTaskQueue(cluster.id, member.id))) ? 'up' : 'down',
        })),
      ),
    );
    const allUp = members.every((member) => member.agent === 'up');
    return {
      status: reachable && allUp ? 'ok' : 'degraded',
      temporal: { reachable, address: this.config.temporal.address },
      members,
    };
  }

  private temporalReachable(): Promise<boolean> {
    return this.temporal.reachable(deadlineMs);
  }

  private async agentPolling(taskQueue: string): Promise<boolean> {
    try {
      const polledAt = await this.temporal.activityPollTimes(taskQueue, deadlineMs);
      const now = Date.now();
      return polledAt.some((at) => now - at < pollerFreshMs);
    } catch {
      return false;
    }
  }
}
