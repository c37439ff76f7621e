// What every command receives: the output (json or human, tty or not) and a way to reach the API
// as the principal its role needs. Commands return their exit code; errors end here, printed once.
import type { Command } from 'commander';
import { operationIdShapes, parseOperationId } from '../../libs/contract/workflow-ids';
import type { ApiClient } from './api-client';
import { CliError, exitCodes } from './cli-error';
import { connect } from './connection';
import { Output } from './output';

export interface GlobalFlags {
  api?: string;
  token?: string;
  as?: string;
  json?: boolean;
}

export interface Cli {
  out: Output;
  flags: GlobalFlags;
  /** The API client, with the demo token of `defaultPrincipal` unless a token or --as is given. */
  api(defaultPrincipal: string): ApiClient;
}

export function createCli(flags: GlobalFlags): Cli {
  return {
    out: new Output({ json: flags.json === true }),
    flags,
    api: (defaultPrincipal) => connect(flags, defaultPrincipal),
  };
}

/** Wraps a command handler for commander: builds the context, prints a failure, sets the exit code. */
export function run<A extends unknown[]>(handler: (cli: Cli, ...args: A) => Promise<number>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const cli = createCli(command.optsWithGlobals<GlobalFlags>());
    try {
      process.exitCode = await handler(cli, ...(args.slice(0, -1) as A));
    } catch (error) {
      if (error instanceof CliError) {
        cli.out.error(error.code, error.message, error.extra);
        process.exitCode = error.exitCode;
        return;
      }
      cli.out.error('internal', `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = exitCodes.failed;
    }
  };
}

/** "a,b,,c " -> ["a","b","c"]; undefined stays undefined. */
export function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** The cluster in an operation id, by the contract's one parser; a usage error for anything else. */
export function clusterOfOperation(operationId: string): string {
  const parsed = parseOperationId(operationId);
  if (parsed === null) {
    throw new CliError('invalid-operation-id', `${operationId} is not an operation id (${operationIdShapes}). Use the id that sync or join printed.`, exitCodes.usage);
  }
  return parsed.cluster;
}
