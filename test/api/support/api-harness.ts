// Runs the real API in-process on a free port, over a test cluster of its own and the run's real
// Temporal dev server. Tokens are made per harness; the configuration holds only their SHA-256.
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import type { KeySyncConfig, Role } from '../../../libs/config/types';
import { sha256Hex } from '../../../libs/digest';
import { createApi } from '../../../apps/api/create-api';
import { ApiLogger, createLogger } from '../../../apps/api/logging/logger';
import { connectTestClient, testTemporalAddress } from '../../support/temporal';

export const principalRoles = {
  operator: ['operator'],
  'approver-1': ['approver'],
  'approver-2': ['approver'],
  'approver-3': ['approver'],
  auditor: ['auditor'],
  admin: ['admin'],
} satisfies Record<string, Role[]>;

export type PrincipalName = keyof typeof principalRoles;

export interface ApiHarness {
  baseUrl: string;
  cluster: string;
  members: string[];
  config: KeySyncConfig;
  tokens: Record<PrincipalName, string>;
  /** Every log line the API wrote, as text. */
  logText(): string;
  request(method: string, path: string, options?: RequestOptions): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export interface RequestOptions {
  as?: PrincipalName;
  token?: string;
  json?: unknown;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export interface HarnessOptions {
  /** Edits the generated configuration (approvers, policy, directories) before the API starts. */
  configure?: (config: KeySyncConfig) => void;
  members?: string[];
  /** Run over this configuration's cluster and directories (principals are added). */
  baseConfig?: KeySyncConfig;
  /** The orchestrator queue of a test's own workers. */
  orchestratorTaskQueue?: string;
}

export async function startApiHarness(options: HarnessOptions = {}): Promise<ApiHarness> {
  const base = options.baseConfig?.clusters[0];
  const cluster = base?.id ?? `api-${randomUUID().slice(0, 8)}`;
  const members = base?.members.map((member) => member.id) ?? options.members ?? ['node1', 'node2', 'node3'];
  const tokens = Object.fromEntries(Object.keys(principalRoles).map((name) => [name, randomBytes(24).toString('base64url')])) as Record<PrincipalName, string>;
  const config: KeySyncConfig = {
    temporal: { address: testTemporalAddress(), namespace: 'default' },
    api: { port: 0 },
    packageStore: { dir: `/tmp/${cluster}/packages` },
    auditArchive: { dir: `/tmp/${cluster}/audit` },
    clusters: [
      {
        id: cluster,
        founder: members[0] ?? 'node1',
        members: members.map((member) => ({
          id: member,
          pkcs11Module: '/usr/lib/softhsm/libsofthsm2.so',
          tokenLabel: `${cluster}-${member}`,
          pin: { env: `PIN_${member.toUpperCase()}` },
        })),
        approvers: [],
        policy: {
          sync: { approvals: 1, timeoutSeconds: 3600 },
          join: { approvals: 2, timeoutSeconds: 3600 },
          parallelism: 4,
          packageTtlSeconds: 86_400,
          drift: { mode: 'off', intervalSeconds: 60 },
        },
      },
    ],
    principals: (Object.keys(principalRoles) as PrincipalName[]).map((name) => ({
      id: name,
      roles: principalRoles[name],
      tokenSha256: sha256Hex(tokens[name]),
    })),
  };
  if (options.baseConfig) {
    config.clusters = options.baseConfig.clusters;
    config.packageStore = options.baseConfig.packageStore;
    config.auditArchive = options.baseConfig.auditArchive;
  }
  options.configure?.(config);

  let logs = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs += chunk.toString('utf8');
      done();
    },
  });
  const app: INestApplication = await createApi(config, {
    logger: new ApiLogger(createLogger({ level: 'info', destination: sink })),
    orchestratorTaskQueue: options.orchestratorTaskQueue,
  });
  await app.listen(0, '127.0.0.1');
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  /** Operations this harness started: terminated on close, so no test leaves work for another's worker. */
  const started = new Set<string>();

  return {
    baseUrl,
    cluster,
    members,
    config,
    tokens,
    logText: () => logs,
    async request(method, path, requestOptions = {}) {
      const headers: Record<string, string> = { ...requestOptions.headers };
      const token = requestOptions.token ?? (requestOptions.as ? tokens[requestOptions.as] : undefined);
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      let body: string | Buffer | undefined = requestOptions.body;
      if (requestOptions.json !== undefined) {
        body = JSON.stringify(requestOptions.json);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        parsed = {};
      }
      if (response.status === 202 && typeof parsed.operationId === 'string') started.add(parsed.operationId);
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
    async close() {
      await app.close();
      if (!options.baseConfig) rmSync(`/tmp/${cluster}`, { recursive: true, force: true });
      if (started.size === 0) return;
      const client = await connectTestClient();
      try {
        for (const operationId of started) {
          await client.workflow
            .getHandle(operationId)
            .terminate('test over')
            .catch(() => undefined);
        }
      } finally {
        await client.connection.close();
      }
    },
  };
}
