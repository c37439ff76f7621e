// Validates a parsed configuration file (DESIGN section 8) and fills its defaults. Relative paths
// are resolved against the file's folder, so a state folder can move as a whole.
import { isAbsolute, resolve } from 'node:path';
import type { PinSource } from '../hsm/types';
import { ConfigError } from './config-error';
import { ConfigReader, join } from './config-reader';
import { environmentClashes, MODULE_SETTING_FIELDS, readModuleSettings } from './read-module-settings';
import { readNotifications, readPublicUrl } from './read-notifications';
import { readPackageStoreConfig } from './read-package-store';
import { defaultRetirePolicy } from '../contract/retire';
import { readSecretSource } from './read-secret-source';
import { readApiTls, readTemporalTls } from './read-tls';
import { roles } from './types';
import type { Json } from './config-reader';
import type {
  AgentMemberConfig,
  ApprovalPolicy,
  ApproverConfig,
  ClusterConfig,
  ClusterMemberConfig,
  ClusterPolicy,
  KeySyncConfig,
  MemberConfig,
  PrincipalConfig,
  Role,
  TemporalConfig,
  WebAuthnConfig,
} from './types';

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ID_HINT = 'must be lower-case letters, digits and dashes (it becomes part of task queue names and workflow ids)';
const SHA256_HEX = /^[0-9a-f]{64}$/;
const ROLES: readonly Role[] = roles;
const DRIFT_MODES = ['auto', 'alert', 'off'] as const;
const MAX_TOKEN_LABEL_BYTES = 32; // CK_TOKEN_INFO.label is 32 bytes

export const CONFIG_DEFAULTS = {
  namespace: 'default',
  apiPort: 3000,
  parallelism: 4,
  packageTtlSeconds: 86_400,
  drift: { mode: 'alert', intervalSeconds: 300 },
} as const;

function path(value: string, baseDir: string): string {
  return value === '' || isAbsolute(value) ? value : resolve(baseDir, value);
}

function readPin(r: ConfigReader, value: Json, field: string, baseDir: string): PinSource {
  return readSecretSource(r, value, field, baseDir, 'the PIN');
}

/** An id of a cluster, member, approver or principal. */
export function readId(r: ConfigReader, value: Json, field: string): string {
  return r.string(value, field, { pattern: ID, hint: ID_HINT });
}

const TOKEN_FIELDS = ['pkcs11Module', 'tokenLabel', 'pin'] as const;

function readToken(r: ConfigReader, m: Record<string, Json>, field: string, baseDir: string): Omit<MemberConfig, 'id'> {
  const tokenLabel = r.string(m.tokenLabel, join(field, 'tokenLabel'));
  if (Buffer.byteLength(tokenLabel, 'utf8') > MAX_TOKEN_LABEL_BYTES) {
    r.report(join(field, 'tokenLabel'), `must be at most ${MAX_TOKEN_LABEL_BYTES} bytes (the PKCS#11 token label size)`);
  }
  return {
    pkcs11Module: path(r.string(m.pkcs11Module, join(field, 'pkcs11Module')), baseDir),
    tokenLabel,
    pin: readPin(r, m.pin, join(field, 'pin'), baseDir),
  };
}

function readMember(r: ConfigReader, value: Json, field: string, baseDir: string): ClusterMemberConfig {
  const m = r.object(value, field, ['id', ...TOKEN_FIELDS, ...MODULE_SETTING_FIELDS]) ?? {};
  const id = readId(r, m.id, join(field, 'id'));
  const missing = TOKEN_FIELDS.filter((key) => m[key] === undefined);
  // The orchestrator's and the API's configuration need no token: all three fields, or none.
  if (missing.length === TOKEN_FIELDS.length) {
    for (const key of MODULE_SETTING_FIELDS.filter((setting) => m[setting] !== undefined)) r.report(join(field, key), 'belongs to a member whose token is configured here (pkcs11Module, tokenLabel, pin)');
    return { id };
  }
  if (missing.length > 0) {
    for (const key of missing) {
      r.report(join(field, key), 'is missing: give pkcs11Module, tokenLabel and pin together (a file an agent of this member runs from), or none of them (a file for the orchestrator or the API)');
    }
    return { id };
  }
  return { id, ...readToken(r, m, field, baseDir), ...readModuleSettings(r, m, field, baseDir) };
}

/** The one member of an agent configuration: its token, and what its module needs. */
export function readAgentMember(r: ConfigReader, value: Json, field: string, baseDir: string): AgentMemberConfig {
  const m = r.object(value, field, ['id', ...TOKEN_FIELDS, ...MODULE_SETTING_FIELDS]) ?? {};
  return { id: readId(r, m.id, join(field, 'id')), ...readToken(r, m, field, baseDir), ...readModuleSettings(r, m, field, baseDir) };
}

function readApprover(r: ConfigReader, value: Json, field: string): ApproverConfig {
  const a = r.object(value, field, ['id', 'publicKey']) ?? {};
  const publicKey = r.string(a.publicKey, join(field, 'publicKey'));
  if (publicKey !== '' && (!/^[A-Za-z0-9+/]+={0,2}$/.test(publicKey) || Buffer.from(publicKey, 'base64').length !== 32)) {
    r.report(join(field, 'publicKey'), 'must be an Ed25519 public key: 32 raw bytes in base64');
  }
  return { id: r.string(a.id, join(field, 'id'), { pattern: ID, hint: ID_HINT }), publicKey };
}

function readApprovalPolicy(r: ConfigReader, value: Json, field: string, approverCount: number): ApprovalPolicy {
  const p = r.object(value, field, ['approvals', 'timeoutSeconds']) ?? {};
  const approvals = r.integer(p.approvals, join(field, 'approvals'), 0);
  if (approvals > approverCount) {
    r.report(join(field, 'approvals'), `asks for more approvals than the cluster has approvers (${approverCount})`);
  }
  return { approvals, timeoutSeconds: r.integer(p.timeoutSeconds, join(field, 'timeoutSeconds'), 1) };
}

function readPolicy(r: ConfigReader, value: Json, field: string, memberIds: string[], approverCount: number): ClusterPolicy {
  const p = r.object(value, field, ['sync', 'join', 'members', 'parallelism', 'packageTtlSeconds', 'drift', 'retire']) ?? {};
  const policy: ClusterPolicy = {
    sync: readApprovalPolicy(r, p.sync, join(field, 'sync'), approverCount),
    join: readApprovalPolicy(r, p.join, join(field, 'join'), approverCount),
    parallelism: p.parallelism === undefined ? CONFIG_DEFAULTS.parallelism : r.integer(p.parallelism, join(field, 'parallelism'), 1, 1000),
    packageTtlSeconds:
      p.packageTtlSeconds === undefined ? CONFIG_DEFAULTS.packageTtlSeconds : r.integer(p.packageTtlSeconds, join(field, 'packageTtlSeconds'), 60),
    drift: { ...CONFIG_DEFAULTS.drift },
  };
  if (p.drift !== undefined) {
    const d = r.object(p.drift, join(field, 'drift'), ['mode', 'intervalSeconds']) ?? {};
    policy.drift = {
      mode: r.oneOf(d.mode, join(field, 'drift.mode'), DRIFT_MODES),
      intervalSeconds: r.integer(d.intervalSeconds, join(field, 'drift.intervalSeconds'), 1),
    };
  }
  if (p.retire !== undefined) {
    const retire = r.object(p.retire, join(field, 'retire'), ['approvals', 'timeoutSeconds', 'recoveryDays']) ?? {};
    const approvals = retire.approvals === undefined ? defaultRetirePolicy.approvals : r.integer(retire.approvals, join(field, 'retire.approvals'), 0);
    if (approvals > approverCount) r.report(join(field, 'retire.approvals'), `asks for more approvals than the cluster has approvers (${approverCount})`);
    policy.retire = {
      approvals,
      timeoutSeconds: retire.timeoutSeconds === undefined ? defaultRetirePolicy.timeoutSeconds : r.integer(retire.timeoutSeconds, join(field, 'retire.timeoutSeconds'), 1),
      recoveryDays: retire.recoveryDays === undefined ? defaultRetirePolicy.recoveryDays : r.integer(retire.recoveryDays, join(field, 'retire.recoveryDays'), 1, 3650),
    };
  }
  if (p.members !== undefined) {
    const overrides = r.object(p.members, join(field, 'members'), memberIds) ?? {};
    policy.members = Object.fromEntries(
      Object.entries(overrides).map(([id, override]) => [id, readApprovalPolicy(r, override, join(join(field, 'members'), id), approverCount)]),
    );
  }
  return policy;
}

/** A host name (no scheme, port or path): what WebAuthn calls an RP id. */
const RP_ID = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Whether a browser runs WebAuthn there: https, or http on the loopback names browsers treat as secure. */
function isCeremonyOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
}

function readWebAuthn(r: ConfigReader, value: Json, field: string): WebAuthnConfig {
  const w = r.object(value, field, ['rpId', 'rpName', 'origins']) ?? {};
  const rpId = r.string(w.rpId, join(field, 'rpId'), { pattern: RP_ID, hint: 'must be a lower-case host name without scheme or port, e.g. keysync.example.com (the console\'s host)' });
  const origins = r.array(w.origins, join(field, 'origins'), { nonEmpty: true }).map((origin, index) => {
    const text = r.string(origin, join(join(field, 'origins'), index));
    if (text !== '' && !isCeremonyOrigin(text)) {
      r.report(join(join(field, 'origins'), index), 'must be an origin a browser runs WebAuthn on: https://host[:port], or http://localhost[:port] or http://127.0.0.1[:port], without a path or trailing slash');
    }
    return text;
  });
  return { rpId, ...(w.rpName === undefined ? {} : { rpName: r.string(w.rpName, join(field, 'rpName')) }), origins };
}

function readCluster(r: ConfigReader, value: Json, field: string, baseDir: string): ClusterConfig {
  const c = r.object(value, field, ['id', 'founder', 'members', 'approvers', 'policy', 'webauthn']) ?? {};
  const members = r.array(c.members, join(field, 'members'), { nonEmpty: true }).map((m, i) => readMember(r, m, join(join(field, 'members'), i), baseDir));
  const approvers = r.array(c.approvers, join(field, 'approvers')).map((a, i) => readApprover(r, a, join(join(field, 'approvers'), i)));
  r.unique(members.map((m) => m.id), join(field, 'members'), 'member');
  r.unique(approvers.map((a) => a.id), join(field, 'approvers'), 'approver');
  const memberIds = members.map((m) => m.id);
  const founder = r.string(c.founder, join(field, 'founder'));
  if (founder !== '' && !memberIds.includes(founder)) r.report(join(field, 'founder'), 'must be the id of one of the cluster\'s members');
  return {
    id: r.string(c.id, join(field, 'id'), { pattern: ID, hint: ID_HINT }),
    founder,
    members,
    approvers,
    policy: readPolicy(r, c.policy, join(field, 'policy'), memberIds, approvers.length),
    ...(c.webauthn === undefined ? {} : { webauthn: readWebAuthn(r, c.webauthn, join(field, 'webauthn')) }),
  };
}

export function readTemporal(r: ConfigReader, value: Json, baseDir: string): TemporalConfig {
  const temporal = r.object(value, 'temporal', ['address', 'namespace', 'tls']) ?? {};
  const settings: TemporalConfig = {
    address: r.string(temporal.address, 'temporal.address', { pattern: /^[^\s:]+:\d{1,5}$/, hint: 'must be host:port' }),
    namespace: temporal.namespace === undefined ? CONFIG_DEFAULTS.namespace : r.string(temporal.namespace, 'temporal.namespace'),
  };
  if (temporal.tls !== undefined) settings.tls = readTemporalTls(r, temporal.tls, 'temporal.tls', baseDir);
  return settings;
}

export function readPackageStore(r: ConfigReader, value: Json, baseDir: string): KeySyncConfig['packageStore'] {
  return readPackageStoreConfig(r, value, baseDir);
}

export function readLocks(r: ConfigReader, value: Json, baseDir: string): { dir: string } {
  const locks = r.object(value, 'locks', ['dir']) ?? {};
  return { dir: path(r.string(locks.dir, 'locks.dir'), baseDir) };
}

function readPrincipal(r: ConfigReader, value: Json, field: string): PrincipalConfig {
  const p = r.object(value, field, ['id', 'roles', 'tokenSha256']) ?? {};
  const roles = r.array(p.roles, join(field, 'roles'), { nonEmpty: true }).map((role, i) => r.oneOf(role, join(join(field, 'roles'), i), ROLES));
  return {
    id: r.string(p.id, join(field, 'id'), { pattern: ID, hint: ID_HINT }),
    roles,
    tokenSha256: r.string(p.tokenSha256, join(field, 'tokenSha256'), {
      pattern: SHA256_HEX,
      hint: 'must be the SHA-256 of the bearer token as 64 lower-case hex characters (never the token itself)',
    }),
  };
}

/**
 * Checks a parsed configuration; throws a ConfigError listing every problem by field.
 * `source` names the file in the error; `baseDir` resolves relative paths.
 */
export function validateConfig(raw: Json, source: string, baseDir: string): KeySyncConfig {
  const r = new ConfigReader();
  const root = r.object(raw, '', ['temporal', 'api', 'softhsm2Conf', 'packageStore', 'auditArchive', 'locks', 'clusters', 'principals', 'notifications']) ?? {};
  const temporal = readTemporal(r, root.temporal, baseDir);
  const api = root.api === undefined ? {} : (r.object(root.api, 'api', ['port', 'tls', 'publicUrl']) ?? {});
  const packageStore = readPackageStore(r, root.packageStore, baseDir);
  const auditArchive = r.object(root.auditArchive, 'auditArchive', ['dir']) ?? {};

  const config: KeySyncConfig = {
    temporal,
    api: { port: api.port === undefined ? CONFIG_DEFAULTS.apiPort : r.integer(api.port, 'api.port', 1, 65535) },
    packageStore,
    auditArchive: { dir: path(r.string(auditArchive.dir, 'auditArchive.dir'), baseDir) },
    clusters: r.array(root.clusters, 'clusters', { nonEmpty: true }).map((c, i) => readCluster(r, c, join('clusters', i), baseDir)),
    principals: r.array(root.principals, 'principals').map((p, i) => readPrincipal(r, p, join('principals', i))),
  };
  if (api.tls !== undefined) config.api.tls = readApiTls(r, api.tls, 'api.tls', baseDir);
  if (api.publicUrl !== undefined) config.api.publicUrl = readPublicUrl(r, api.publicUrl);
  if (root.notifications !== undefined) config.notifications = readNotifications(r, root.notifications, baseDir);
  if (root.locks !== undefined) config.locks = readLocks(r, root.locks, baseDir);
  if (root.softhsm2Conf !== undefined) config.softhsm2Conf = path(r.string(root.softhsm2Conf, 'softhsm2Conf'), baseDir);
  r.unique(config.clusters.map((c) => c.id), 'clusters', 'cluster');
  // One process (npm start) runs an agent for every member with a token: their modules share its environment.
  const members = config.clusters.flatMap((c, i) => c.members.map((m, j) => ({ ...m, field: join(join(join('clusters', i), 'members'), j) })));
  for (const clash of environmentClashes(members)) {
    r.report(clash.field, `differs from member ${clash.other}'s: one process serves both and a module reads a variable once; give them one value (one configuration file for both tokens)`);
  }
  r.unique(config.principals.map((p) => p.id), 'principals', 'principal');
  const hashes = new Set<string>();
  config.principals.forEach((p, i) => {
    if (p.tokenSha256 !== '' && hashes.has(p.tokenSha256)) r.report(`principals[${i}].tokenSha256`, 'is the same token hash as another principal');
    hashes.add(p.tokenSha256);
  });

  if (r.issues.length > 0) throw new ConfigError(source, r.issues);
  return config;
}
