// The configurations of the production shape, made at first start: config.json for the API and the
// orchestrators (members as ids only, through the separate-hosts template path, which adds the
// demo's approvers and principals), and hosts/<member>/agent.json for each agent, naming only files
// in its own host folder (its certificate, PIN file, S3 keys, token store).
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackPorts } from '../../../libs/config/ports';
import { ensureConfigFromTemplate } from '../separate-hosts/config-from-template';
import type { ProductionLayout } from './production-layout';
import type { ProductionPaths } from './production-paths';
import { tlsFolderConfig } from './production-tls';

export const DEMO_MEMBERS = ['node1', 'node2', 'node3'];
export const DEMO_FOUNDER = 'node1';
export const PACKAGE_BUCKET = 'keysync-packages';

export function frontendAddress(layout: ProductionLayout, index: number): string {
  return `127.0.0.1:${layout.temporal[index]!.frontend}`;
}

function s3Store(layout: ProductionLayout, keyIdFile: string, secretFile: string) {
  return {
    s3: {
      endpoint: `http://127.0.0.1:${layout.s3}`,
      region: 'us-east-1',
      bucket: PACKAGE_BUCKET,
      forcePathStyle: true,
      accessKeyId: { file: keyIdFile },
      secretAccessKey: { file: secretFile },
    },
  };
}

/** config.json (and the first demo.json) unless config.json exists; true when made. */
export function ensureControlConfig(paths: ProductionPaths, layout: ProductionLayout, ports: StackPorts): boolean {
  const template = {
    temporal: { address: frontendAddress(layout, 0), namespace: 'default', tls: tlsFolderConfig(join(paths.tls, 'api')) },
    api: { port: layout.api },
    packageStore: s3Store(layout, paths.s3AccessKeyId, paths.s3SecretAccessKey),
    auditArchive: { dir: paths.audit },
    clusters: [
      {
        id: 'demo',
        founder: DEMO_FOUNDER,
        members: DEMO_MEMBERS.map((id) => ({ id })),
        policy: {
          join: { approvals: 2, timeoutSeconds: 86_400 },
          sync: { approvals: 1, timeoutSeconds: 86_400 },
          drift: { mode: 'alert', intervalSeconds: 60 },
        },
      },
    ],
  };
  writeFileSync(paths.controlTemplate, `${JSON.stringify(template, null, 2)}\n`);
  return ensureConfigFromTemplate(paths, paths.controlTemplate, ports);
}

/** hosts/<member>/agent.json, with the S3 keys copied into the host folder. Rewritten on each start (it holds no secret). */
export function writeAgentConfig(paths: ProductionPaths, layout: ProductionLayout, member: string, pkcs11Module: string): string {
  const host = paths.host(member);
  mkdirSync(join(host, 'locks'), { recursive: true, mode: 0o700 });
  const keyIdFile = join(host, 's3-access-key-id');
  const secretFile = join(host, 's3-secret-access-key');
  if (!existsSync(keyIdFile)) copyFileSync(paths.s3AccessKeyId, keyIdFile);
  if (!existsSync(secretFile)) copyFileSync(paths.s3SecretAccessKey, secretFile);
  const file = join(host, 'agent.json');
  const config = {
    temporal: { address: frontendAddress(layout, 0), namespace: 'default', tls: tlsFolderConfig(join(host, 'tls')) },
    packageStore: s3Store(layout, keyIdFile, secretFile),
    locks: { dir: join(host, 'locks') },
    agent: {
      cluster: 'demo',
      member: {
        id: member,
        pkcs11Module,
        tokenLabel: member,
        pin: { file: join(host, `${member}.pin`) },
        environment: { SOFTHSM2_CONF: join(host, 'softhsm2.conf') },
      },
    },
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}
