// `--wait`: follows an operation until every member is final, redrawing a line per member.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient, Operation } from './api-client';
import { CliError } from './cli-error';
import { isFinished, memberLines } from './operation-view';
import type { Output } from './output';

export interface WaitOptions {
  intervalMs?: number;
  /** Give up after this long (the operation goes on); default: wait as long as it takes. */
  timeoutMs?: number;
}

/** How many polls in a row may fail to reach the API (a restart) before waiting gives up. */
const unreachableTolerance = 10;

export async function waitForOperation(api: ApiClient, operationId: string, out: Output, options: WaitOptions = {}): Promise<Operation> {
  // Ctrl-C stops following, not the operation: say so, and how to pick it up again.
  const onInterrupt = (): void => {
    out.endLive();
    out.note(`Stopped following ${operationId}; it goes on. Follow it again with: keysync status ${operationId} --wait`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await follow(api, operationId, out, options);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

async function follow(api: ApiClient, operationId: string, out: Output, options: WaitOptions): Promise<Operation> {
  const interval = options.intervalMs ?? 1_000;
  // A view as old as one interval is as good as the next poll's: the API may answer it from the workflows it follows.
  const maxAgeSeconds = Math.max(1, Math.round(interval / 1000));
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let misses = 0;
  for (;;) {
    let operation: Operation;
    try {
      operation = await api.operation(operationId, maxAgeSeconds);
      misses = 0;
    } catch (error) {
      if (!(error instanceof CliError) || error.code !== 'api-unreachable' || ++misses > unreachableTolerance) throw error;
      await sleep(interval);
      continue;
    }
    out.live(memberLines(operation, out.paint));
    if (isFinished(operation)) {
      out.endLive();
      return operation;
    }
    if (Date.now() >= deadline) {
      out.endLive();
      throw new CliError('wait-timeout', `${operationId} is still running; it goes on without this command. Follow it with \`keysync status ${operationId} --wait\`.`);
    }
    await sleep(interval);
  }
}
