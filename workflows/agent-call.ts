// Calls a member's node agent from a workflow, the way DESIGN section 2 asks: a member whose agent
// is down is not an error. An activity that nobody picks up within the probe window fails with a
// ScheduleToStart timeout; the caller is told (`waiting-for-node`) and it is scheduled again, so
// the state is visible while the other members go on. HSM and transport faults are retried here,
// with backoff and no maximum, so each attempt and its error are visible in the member's state;
// the failure types that retrying cannot fix end the call at once.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  isCancellation,
  proxyActivities,
  sleep,
} from '@temporalio/workflow';
import type { NodeAgentActivities } from '../libs/contract/activities';
import type { AgentTiming } from '../libs/contract/agent-timing';
import { nonRetryableFailureTypes } from '../libs/contract/failure-types';
import type { FailureType } from '../libs/contract/failure-types';
import type { LastError } from '../libs/contract/operations';
import { memberTaskQueue } from '../libs/contract/task-queues';

export interface AgentCallHooks {
  /**
   * The activity sat on the member's queue for the whole probe window: its agent is not polling.
   * May continue the workflow as new (it throws out of the call) when the wait grows the history.
   */
  onWaitingForNode?(): void | Promise<void>;
  /** The agent answered a presence probe after being away: the real call is scheduled again now. */
  onNodeBack?(): void;
  /** An agent started an attempt (it succeeded, failed or died). */
  onAttempt?(): void;
  /** An attempt failed with a fault worth retrying; the next one comes after a pause. */
  onRetry?(error: LastError): void;
}

export interface AgentCallOptions {
  cluster: string;
  member: string;
  timing: AgentTiming;
  /** Long calls (import) heartbeat, so a dead agent is noticed within heartbeatSeconds. */
  heartbeats: boolean;
  /** Give up after the first probe window instead of waiting for the node (returns null). */
  probeOnce?: boolean;
  hooks?: AgentCallHooks;
}

function isScheduleToStartTimeout(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof TimeoutFailure && error.cause.timeoutType === 'SCHEDULE_TO_START';
}

function applicationCause(error: unknown): ApplicationFailure | undefined {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause;
  return undefined;
}

function describe(error: unknown): LastError {
  const cause = applicationCause(error);
  if (cause !== undefined) return { type: cause.type ?? 'Error', message: cause.message };
  if (error instanceof ActivityFailure && error.cause instanceof TimeoutFailure) {
    return { type: `timeout-${(error.cause.timeoutType ?? 'unknown').toLowerCase()}`, message: 'the agent stopped answering during the call (died or lost its connection)' };
  }
  return { type: 'error', message: error instanceof Error ? error.message : String(error) };
}

function isFinal(cause: ApplicationFailure): boolean {
  return cause.nonRetryable || nonRetryableFailureTypes.includes(cause.type as FailureType);
}

/**
 * Runs `call` against the member's agent until it succeeds or fails for good (a non-retryable
 * ApplicationFailure carrying the agent's failure type). Resolves null only when `probeOnce` is
 * set and the agent did not pick the call up in time.
 */
export async function callAgent<T>(
  options: AgentCallOptions & { probeOnce: true },
  call: (agent: NodeAgentActivities) => Promise<T>,
): Promise<T | null>;
export async function callAgent<T>(options: AgentCallOptions, call: (agent: NodeAgentActivities) => Promise<T>): Promise<T>;
export async function callAgent<T>(options: AgentCallOptions, call: (agent: NodeAgentActivities) => Promise<T>): Promise<T | null> {
  const { timing, hooks } = options;
  let probeSeconds = timing.nodeProbeSeconds;
  let backoffSeconds = timing.retryInitialSeconds;
  // Once the agent is known to be away, a cheap presence probe waits for it instead of the real call,
  // so the member shows waiting-for-node exactly until its agent is back, then its working state.
  let nodeAway = false;
  for (;;) {
    const agent = proxyActivities<NodeAgentActivities>({
      taskQueue: memberTaskQueue(options.cluster, options.member),
      scheduleToStartTimeout: `${probeSeconds}s`,
      ...(options.heartbeats
        ? { startToCloseTimeout: `${timing.attemptSeconds}s`, heartbeatTimeout: `${timing.heartbeatSeconds}s` }
        : { startToCloseTimeout: `${timing.callSeconds}s` }),
      // One attempt per scheduling: this loop retries, so each attempt shows in the member's state.
      retry: { maximumAttempts: 1 },
      // Cancel waits for the agent to stop, so the state never says "cancelled" while it still writes.
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    });
    if (nodeAway) {
      try {
        await agent.reportClusterSecrets();
      } catch (error) {
        if (isCancellation(error)) throw error;
        if (isScheduleToStartTimeout(error)) {
          await hooks?.onWaitingForNode?.();
          probeSeconds = Math.min(probeSeconds * 2, timing.nodeProbeMaxSeconds);
          continue;
        }
        // Any other outcome means an agent picked the probe up: it is back.
      }
      nodeAway = false;
      hooks?.onNodeBack?.();
    }
    try {
      const result = await call(agent);
      hooks?.onAttempt?.();
      return result;
    } catch (error) {
      if (isCancellation(error)) throw error;
      if (isScheduleToStartTimeout(error)) {
        await hooks?.onWaitingForNode?.();
        if (options.probeOnce) return null;
        nodeAway = true;
        probeSeconds = Math.min(probeSeconds * 2, timing.nodeProbeMaxSeconds);
        continue;
      }
      hooks?.onAttempt?.();
      const cause = applicationCause(error);
      // Rethrown unwrapped: callers match on the agent's failure type (libs/contract/failure-types.ts).
      if (cause !== undefined && isFinal(cause)) {
        throw ApplicationFailure.create({ type: cause.type ?? 'error', message: cause.message, nonRetryable: true });
      }
      hooks?.onRetry?.(describe(error));
      await sleep(`${backoffSeconds}s`);
      backoffSeconds = Math.min(backoffSeconds * 2, timing.retryMaxSeconds);
    }
  }
}
