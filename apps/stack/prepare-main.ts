// `node dist/apps/stack/prepare-main.js`: the one-shot set-up of a deployment where Temporal runs
// elsewhere (docker-compose, a Temporal cluster): makes the demo state folder when no
// KEYSYNC_CONFIG is given (from KEYSYNC_CONFIG_TEMPLATE when set: members on separate hosts, whose
// tokens are made on their own hosts), makes the S3 package store's bucket, then waits for Temporal
// and registers KeySync's search attributes and retention in the configured namespace. Safe to run
// on every deployment: each step is idempotent.
import { mkdirSync } from 'node:fs';
import { loadConfig } from '../../libs/config/load-config';
import { configPath, stateDir, statePaths } from '../../libs/config/paths';
import { stackPorts } from '../../libs/config/ports';
import { temporalTls } from '../../libs/temporal/connection';
import { prepareNamespace, waitForTemporal } from '../../libs/temporal/prepare-namespace';
import { ensureDemoState } from './demo/demo-state';
import { ensureConfigFromTemplate } from './separate-hosts/config-from-template';
import { ensureBucket } from './separate-hosts/ensure-bucket';

async function main(): Promise<void> {
  const paths = statePaths(stateDir());
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  const template = process.env.KEYSYNC_CONFIG_TEMPLATE;
  if (!process.env.KEYSYNC_CONFIG && template) {
    if (ensureConfigFromTemplate(paths, template, stackPorts())) {
      process.stdout.write(`created the configuration of the demo cluster in ${paths.home} from ${template}\n`);
    }
  } else if (!process.env.KEYSYNC_CONFIG && (await ensureDemoState(paths, stackPorts()))) {
    process.stdout.write(`created the demo cluster in ${paths.home}\n`);
  }
  const config = loadConfig(configPath());
  if ('s3' in config.packageStore) {
    const bucket = await ensureBucket(config.packageStore.s3, 120_000);
    process.stdout.write(`package store bucket ${config.packageStore.s3.bucket}: ${bucket}\n`);
  }
  const { address, namespace } = config.temporal;
  const connection = await waitForTemporal(address, namespace, 300_000, undefined, temporalTls(config.temporal));
  try {
    const { addedSearchAttributes, retentionDays } = await prepareNamespace(connection, namespace);
    const added = addedSearchAttributes.length > 0 ? addedSearchAttributes.join(', ') : 'none (all present)';
    process.stdout.write(`Temporal ${address}, namespace ${namespace}: search attributes added: ${added}; retention ${retentionDays} days\n`);
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`keysync prepare failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
