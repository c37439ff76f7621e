// Creates the state folder of DESIGN section 9 on first start and reuses it afterwards.
// config.json is written last: a folder without it is a first start that did not finish, and its
// demo parts are made again from scratch.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../../libs/config/load-config';
import type { StatePaths } from '../../../libs/config/paths';
import type { StackPorts } from '../../../libs/config/ports';
import type { ClusterConfig, KeySyncConfig, Role } from '../../../libs/config/types';
import { createDemoApprover, createDemoPrincipal } from './demo-identities';
import type { DemoApprover, DemoPrincipal } from './demo-identities';
import { createDemoTokens } from './demo-tokens';
import type { DemoHsm, DemoTokens } from './demo-tokens';
import { writeSecretFile } from './secret-file';

export const DEMO_CLUSTER_ID = 'demo';
const HOST = '127.0.0.1';
const DAY_SECONDS = 86_400;

/** What demo.json holds: everything a newcomer or a script needs to try the demo cluster. */
export interface DemoFile {
  apiUrl: string;
  temporalUiUrl: string;
  cluster: string;
  softhsm2Conf: string;
  /** SoftHSM's module (node1's); each member names its own below. */
  pkcs11Module: string;
  /** Which tokens the demo was made with (KEYSYNC_DEMO_HSM at the first start); absent: softhsm. */
  hsm?: DemoHsm;
  /** Each member's token: label, PIN, module and the environment the module reads, for pkcs11-tool. */
  members: Array<{ id: string; tokenLabel: string; pin: string; pkcs11Module?: string; environment?: Record<string, string> }>;
  tokens: Record<'operator' | 'approver-1' | 'approver-2' | 'approver-3' | 'auditor' | 'admin', string>;
  approverKeys: Record<string, string>;
}

export const PRINCIPALS: Array<[keyof DemoFile['tokens'], Role[]]> = [
  ['operator', ['operator']],
  ['approver-1', ['approver']],
  ['approver-2', ['approver']],
  ['approver-3', ['approver']],
  ['auditor', ['auditor']],
  ['admin', ['admin']],
];

export const endpoints = (ports: StackPorts) => ({
  temporalAddress: `${HOST}:${ports.temporal}`,
  apiUrl: `http://${HOST}:${ports.api}`,
  temporalUiUrl: `http://${HOST}:${ports.ui}`,
  // The console's address (the banner's): localhost, the demo's WebAuthn RP id. As `api.publicUrl`
  // it is the link webhook notifications carry.
  publicUrl: `http://localhost:${ports.api}`,
});

/** A publicUrl the demo wrote (it follows the API's port); any other was set by hand and stays. */
const demoPublicUrl = /^http:\/\/localhost:\d+$/;

/** Security keys in the console (DESIGN 14): localhost is a secure context, so plain http works there. */
function demoWebAuthn(ports: StackPorts): ClusterConfig['webauthn'] {
  return { rpId: 'localhost', rpName: 'KeySync demo', origins: [`http://localhost:${ports.api}`, `http://127.0.0.1:${ports.api}`] };
}

function demoCluster(tokens: DemoTokens, approvers: DemoApprover[], ports: StackPorts): ClusterConfig {
  return {
    id: DEMO_CLUSTER_ID,
    founder: 'node1',
    // A member on another module than SoftHSM names the environment it reads; SoftHSM's comes from softhsm2Conf.
    members: tokens.members.map(({ id, pkcs11Module, tokenLabel, pin, environment }) => ({
      id,
      pkcs11Module,
      tokenLabel,
      pin,
      ...(pkcs11Module === tokens.setup.modulePath ? {} : { environment }),
    })),
    approvers: approvers.map((a) => a.config),
    // The PIN-pad flow of the seed: joining takes 2 of 3 approvers, a key sync 1 of 3 per member.
    policy: {
      join: { approvals: 2, timeoutSeconds: DAY_SECONDS },
      sync: { approvals: 1, timeoutSeconds: DAY_SECONDS },
      parallelism: 4,
      packageTtlSeconds: DAY_SECONDS,
      drift: { mode: 'alert', intervalSeconds: 60 },
    },
    webauthn: demoWebAuthn(ports),
  };
}

function demoConfig(paths: StatePaths, ports: StackPorts, cluster: ClusterConfig, principals: DemoPrincipal[]): KeySyncConfig {
  return {
    temporal: { address: endpoints(ports).temporalAddress, namespace: 'default' },
    api: { port: ports.api, publicUrl: endpoints(ports).publicUrl },
    softhsm2Conf: paths.softhsm2Conf,
    packageStore: { dir: paths.packages },
    auditArchive: { dir: paths.audit },
    clusters: [cluster],
    principals: principals.map((p) => p.config),
  };
}

function demoFile(ports: StackPorts, tokens: DemoTokens, principals: DemoPrincipal[], approvers: DemoApprover[]): DemoFile {
  const { apiUrl, temporalUiUrl } = endpoints(ports);
  return {
    apiUrl,
    temporalUiUrl,
    cluster: DEMO_CLUSTER_ID,
    softhsm2Conf: tokens.setup.confPath,
    pkcs11Module: tokens.setup.modulePath,
    hsm: tokens.hsm,
    members: tokens.members.map(({ id, tokenLabel, pinValue, pkcs11Module, environment }) => ({ id, tokenLabel, pin: pinValue, pkcs11Module, environment })),
    tokens: Object.fromEntries(principals.map((p) => [p.config.id, p.token])) as DemoFile['tokens'],
    approverKeys: Object.fromEntries(approvers.map((a) => [a.config.id, a.privateKeyPath])),
  };
}

/** Removes what an unfinished first start left, so the demo is made whole or not at all. */
function removeUnfinishedDemo(paths: StatePaths): void {
  for (const leftover of [paths.demo, paths.softhsm2Conf, paths.tokens, join(paths.home, 'kryoptic'), paths.pins, paths.approvers]) {
    rmSync(leftover, { recursive: true, force: true });
  }
}

async function createDemoState(paths: StatePaths, ports: StackPorts, hsm: DemoHsm): Promise<void> {
  removeUnfinishedDemo(paths);
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  for (const dir of [paths.pins, paths.approvers]) mkdirSync(dir, { recursive: true, mode: 0o700 });

  const tokens = await createDemoTokens(paths.home, paths.pins, hsm);
  const approvers = ['approver-1', 'approver-2', 'approver-3'].map((id) => createDemoApprover(paths.approvers, id));
  const principals = PRINCIPALS.map(([id, roles]) => createDemoPrincipal(id, roles));

  writeSecretFile(paths.demo, `${JSON.stringify(demoFile(ports, tokens, principals, approvers), null, 2)}\n`);
  writeSecretFile(paths.config, `${JSON.stringify(demoConfig(paths, ports, demoCluster(tokens, approvers, ports), principals), null, 2)}\n`);
}

/** On a later start the ports may have moved: keep config.json and demo.json pointing at the running stack. */
function refreshEndpoints(paths: StatePaths, ports: StackPorts): void {
  const { temporalAddress, apiUrl, temporalUiUrl, publicUrl } = endpoints(ports);
  const config = parseConfigText(readFileSync(paths.config, 'utf8'), paths.config) as KeySyncConfig;
  // The console's origins follow the API's port; a demo made before security keys gets them now.
  const cluster = config.clusters?.find((candidate) => candidate.id === DEMO_CLUSTER_ID);
  const webauthn = demoWebAuthn(ports);
  const webauthnStale = cluster !== undefined && JSON.stringify(cluster.webauthn) !== JSON.stringify(webauthn);
  // A demo made before publicUrl gets it now, so its notifications link to the console.
  const ownPublicUrl = config.api?.publicUrl === undefined || demoPublicUrl.test(config.api.publicUrl);
  const publicUrlStale = ownPublicUrl && config.api?.publicUrl !== publicUrl;
  if (config.temporal?.address !== temporalAddress || config.api?.port !== ports.api || webauthnStale || publicUrlStale) {
    config.temporal = { ...config.temporal, address: temporalAddress };
    config.api = { ...config.api, port: ports.api, ...(ownPublicUrl ? { publicUrl } : {}) };
    if (cluster !== undefined) cluster.webauthn = webauthn;
    writeSecretFile(paths.config, `${JSON.stringify(config, null, 2)}\n`);
  }
  if (existsSync(paths.demo)) {
    const demo = parseConfigText(readFileSync(paths.demo, 'utf8'), paths.demo) as DemoFile;
    if (demo.apiUrl !== apiUrl || demo.temporalUiUrl !== temporalUiUrl) {
      writeSecretFile(paths.demo, `${JSON.stringify({ ...demo, apiUrl, temporalUiUrl }, null, 2)}\n`);
    }
  }
}

/** A later start must not ask for other tokens than the state was made with: they are made once. */
function checkDemoHsm(paths: StatePaths, hsm: DemoHsm): void {
  if (!existsSync(paths.demo)) return;
  const made = (parseConfigText(readFileSync(paths.demo, 'utf8'), paths.demo) as DemoFile).hsm ?? 'softhsm';
  if (made !== hsm) {
    throw new Error(
      `The demo state in ${paths.home} was made with KEYSYNC_DEMO_HSM=${made}; its tokens are made once, at the first start. To start the ${hsm} demo, delete ${paths.home} or set KEYSYNC_HOME to another folder.`,
    );
  }
}

/** Makes the demo state on first start (returns true), or reuses it (false). Always ensures packages/, audit/, run/. */
export async function ensureDemoState(paths: StatePaths, ports: StackPorts, hsm: DemoHsm = 'softhsm'): Promise<boolean> {
  const created = !existsSync(paths.config);
  if (created) await createDemoState(paths, ports, hsm);
  else {
    checkDemoHsm(paths, hsm);
    refreshEndpoints(paths, ports);
  }
  for (const dir of [paths.packages, paths.audit, paths.run]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  return created;
}
