// Each member's host folder: its agent configuration, TLS client certificate and S3 keys, and its
// SoftHSM token made by prepare-host (the founder's with the cluster secrets and demo keys), run
// as its own process exactly as on a separate host. Idempotent: a prepared host is left as it is.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { findSoftHsmModule } from '../../../libs/hsm/softhsm';
import { DEMO_FOUNDER, DEMO_MEMBERS, writeAgentConfig } from './production-config';
import type { ProductionLayout } from './production-layout';
import type { ProductionPaths } from './production-paths';

const PREPARE_HOST = join(__dirname, '..', 'prepare-host-main.js');

function prepareHost(member: string, agentConfig: string, env: NodeJS.ProcessEnv): Promise<void> {
  const args = ['--enable-source-maps', PREPARE_HOST, ...(member === DEMO_FOUNDER ? ['--founder'] : [])];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env: { ...env, KEYSYNC_CONFIG: agentConfig, KEYSYNC_HOME: join(agentConfig, '..') } }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      reject(new Error(`Preparing the host of ${member} (its token) failed: ${stderr.trim() || error.message}`));
    });
  });
}

/** The members' host folders, ready for their agents; returns each member's agent configuration file. */
export async function ensureHosts(paths: ProductionPaths, layout: ProductionLayout, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const pkcs11Module = findSoftHsmModule();
  const files: Record<string, string> = {};
  // The founder first: the others join the cluster it founds.
  for (const member of DEMO_MEMBERS) {
    files[member] = writeAgentConfig(paths, layout, member, pkcs11Module);
    await prepareHost(member, files[member], env);
  }
  return files;
}
