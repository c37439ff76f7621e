// The orchestrator's and the API's configuration for members on separate hosts, made on first
// start from a template (docker-compose.yml gives one): the template says where Temporal, the
// package store and the TLS files are, and which members a cluster has (ids only: no token, no PIN
// source); this adds the demo's approvers (Ed25519 keys in approvers/) and principals (API tokens),
// writes config.json, and demo.json with the tokens and approver keys, never a member's PIN.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseConfigText } from '../../../libs/config/load-config';
import type { StatePaths } from '../../../libs/config/paths';
import type { StackPorts } from '../../../libs/config/ports';
import type { KeySyncConfig } from '../../../libs/config/types';
import { validateConfig } from '../../../libs/config/validate-config';
import { createDemoApprover, createDemoPrincipal } from '../demo/demo-identities';
import type { DemoApprover } from '../demo/demo-identities';
import { PRINCIPALS } from '../demo/demo-state';
import type { DemoFile } from '../demo/demo-state';
import { writeSecretFile } from '../demo/secret-file';

/** demo.json on the orchestrator's and the API's host: members are ids; their PINs stay on their own hosts. */
export type SeparateHostsDemoFile = Omit<DemoFile, 'softhsm2Conf' | 'pkcs11Module' | 'members'> & { members: Array<{ id: string }> };

const APPROVER_IDS = ['approver-1', 'approver-2', 'approver-3'];

/**
 * Writes config.json (and demo.json) from the template unless config.json exists; true when it did.
 * `ports` are where a person on the Docker host reaches the API (over HTTPS when the template sets
 * api.tls) and the Temporal UI.
 */
export function ensureConfigFromTemplate(paths: StatePaths, templateFile: string, ports: StackPorts): boolean {
  if (existsSync(paths.config)) return false;
  const raw = parseConfigText(readFileSync(templateFile, 'utf8'), templateFile) as Record<string, unknown> & {
    api?: { tls?: unknown };
    clusters?: Array<Record<string, unknown>>;
  };
  const urls = { apiUrl: `${raw.api?.tls ? 'https' : 'http'}://127.0.0.1:${ports.api}`, temporalUiUrl: `http://127.0.0.1:${ports.ui}` };
  mkdirSync(paths.approvers, { recursive: true, mode: 0o700 });
  let approvers: DemoApprover[] = [];
  for (const cluster of raw.clusters ?? []) {
    if (cluster.approvers !== undefined) continue;
    approvers = approvers.length > 0 ? approvers : APPROVER_IDS.map((id) => createDemoApprover(paths.approvers, id));
    cluster.approvers = approvers.map((approver) => approver.config);
  }
  const principals = raw.principals === undefined ? PRINCIPALS.map(([id, roles]) => createDemoPrincipal(id, roles)) : [];
  if (principals.length > 0) raw.principals = principals.map((principal) => principal.config);
  // Checked as the API will read it: from config.json, relative paths against its folder.
  const config: KeySyncConfig = validateConfig(raw, paths.config, dirname(paths.config));
  const demo: SeparateHostsDemoFile = {
    ...urls,
    cluster: config.clusters[0]?.id ?? '',
    members: (config.clusters[0]?.members ?? []).map(({ id }) => ({ id })),
    tokens: Object.fromEntries(principals.map((principal) => [principal.config.id, principal.token])) as DemoFile['tokens'],
    approverKeys: Object.fromEntries(approvers.map((approver) => [approver.config.id, approver.privateKeyPath])),
  };
  writeSecretFile(paths.demo, `${JSON.stringify(demo, null, 2)}\n`);
  // config.json last: its presence marks a finished first start.
  writeSecretFile(paths.config, `${JSON.stringify(raw, null, 2)}\n`);
  return true;
}
