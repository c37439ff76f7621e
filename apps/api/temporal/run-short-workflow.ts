// Runs a short read-only workflow on the orchestrator (an availability check, an inventory) and
// waits for its result, bounded: the API holds no HSM, so answers that need the members come from
// workflows whose activities run on the members' agents. No orchestrator polling within the bound
// is a 503 that says what to start, never a request left hanging.
import { HttpStatus } from '@nestjs/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { TimeoutFailure } from '@temporalio/common';
import { ApiError } from '../errors/api-error';
import type { TemporalGateway } from './temporal-gateway';

export interface ShortWorkflow {
  workflowType: string;
  workflowId: string;
  args: unknown[];
  /** The longest the caller waits for the answer; the workflow is given as long. */
  boundSeconds: number;
  searchAttributes: SearchAttributePair[];
  /** What did not answer, for the 503: "the availability check". */
  what: string;
}

export async function runShortWorkflow<T>(temporal: TemporalGateway, run: ShortWorkflow): Promise<T> {
  const runId = await temporal.start({
    workflowType: run.workflowType,
    workflowId: run.workflowId,
    args: run.args,
    executionTimeoutSeconds: Math.ceil(run.boundSeconds),
    searchAttributes: run.searchAttributes,
  });
  let timer: NodeJS.Timeout | undefined;
  const noAnswer = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), Math.ceil(run.boundSeconds) * 1000 + 1000);
  });
  try {
    const result = await Promise.race([temporal.result<T>(run.workflowId, runId), noAnswer]);
    if (result === null) throw unavailable(run.what);
    return result;
  } catch (error) {
    // The execution timeout ended it: nobody ran it in time.
    if (error instanceof WorkflowFailedError && error.cause instanceof TimeoutFailure) throw unavailable(run.what);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function unavailable(what: string): ApiError {
  return new ApiError(
    HttpStatus.SERVICE_UNAVAILABLE,
    'orchestrator-unavailable',
    `No orchestrator answered ${what} in time. Start the worker (npm run worker) and ask again.`,
  );
}
