// `keysync package download|upload`: the seed's manual path. A package holds wrapped keys and
// public data only; upload imports it on one member (a memberSync, approved as any other).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { sha256Hex } from '../../../libs/digest';
import { run } from '../cli-context';
import type { Cli } from '../cli-context';
import { CliError, exitCodes } from '../cli-error';
import { clusterOrDemo, reportOperation } from './operations';

async function download(cli: Cli, digest: string, options: { out?: string }): Promise<number> {
  const bytes = await cli.api('operator').downloadPackage(digest);
  const actual = sha256Hex(bytes);
  if (actual !== digest.toLowerCase()) {
    throw new CliError('digest-mismatch', `The package received hashes to ${actual}, not ${digest}: it was altered on the way. Nothing was written.`);
  }
  const path = resolve(options.out ?? `${digest}.ksp`);
  writeFileSync(path, bytes, { mode: 0o600 });
  cli.out.result({ digest: actual, size: bytes.byteLength, file: path }, () => `Wrote package ${actual} (${bytes.byteLength} bytes) to ${path}.`);
  return exitCodes.ok;
}

async function upload(cli: Cli, file: string, options: { cluster?: string; member: string; reason?: string; wait?: boolean }): Promise<number> {
  const cluster = clusterOrDemo(options.cluster);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new CliError('file-unreadable', `Cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, exitCodes.usage);
  }
  const digest = sha256Hex(bytes);
  const started = await cli.api('operator').uploadPackage(cluster, options.member, bytes, digest, options.reason);
  cli.out.info(`uploaded ${digest}; started ${started.operationId}`);
  return reportOperation(cli, started.operationId, options.wait === true, 'operator');
}

export function registerPackageCommands(program: Command): void {
  const packages = program.command('package').description('Download or upload a key synchronization package (keysync.ksp/2)');
  packages
    .command('download')
    .description('Download a package by its digest')
    .argument('<digest>', 'the package digest (SHA-256, hex), as an operation shows it')
    .option('--out <file>', 'where to write it (default: <digest>.ksp)')
    .action(run(download));
  packages
    .command('upload')
    .description('Upload a package to import on one member (a member the source cannot reach)')
    .argument('<file>', 'the package file')
    .option('--cluster <id>', 'the cluster (default: the demo cluster)')
    .requiredOption('--member <member>', 'the member to import it on')
    .option('--reason <text>', 'why, for the audit trail')
    .option('--wait', 'follow the import until it is final; exit 0 only when in-sync')
    .action(run(upload));
}
