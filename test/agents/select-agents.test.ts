// Which node agents a worker process runs: every member by default (embedded), the named ones
// with --member, and a clear refusal for a member or cluster the configuration lacks.
import { describe, expect, it } from 'vitest';
import { selectAgents } from '../../apps/worker/create-workers';
import type { ClusterConfig, KeySyncConfig } from '../../libs/config/types';

function cluster(id: string, members: string[]): ClusterConfig {
  return {
    id,
    founder: members[0]!,
    members: members.map((member) => ({ id: member, pkcs11Module: '/m.so', tokenLabel: `${id}-${member}`, pin: { env: 'PIN' } })),
    approvers: [],
    policy: { sync: { approvals: 0, timeoutSeconds: 1 }, join: { approvals: 0, timeoutSeconds: 1 }, parallelism: 1, packageTtlSeconds: 60, drift: { mode: 'off', intervalSeconds: 60 } },
  };
}

const config: KeySyncConfig = {
  temporal: { address: 'localhost:7233', namespace: 'default' },
  api: { port: 3000 },
  packageStore: { dir: '/tmp/p' },
  auditArchive: { dir: '/tmp/a' },
  clusters: [cluster('east', ['node1', 'node2']), cluster('west', ['node1', 'node9'])],
  principals: [],
};

const names = (specs: ReturnType<typeof selectAgents>) => specs.map((spec) => `${spec.cluster.id}.${spec.member.id}`);

describe('selectAgents', () => {
  it('runs an agent for every member of every cluster when no member is named', () => {
    expect(names(selectAgents(config, undefined, undefined))).toEqual(['east.node1', 'east.node2', 'west.node1', 'west.node9']);
  });

  it('runs only the named members, in the named cluster', () => {
    expect(names(selectAgents(config, ['node9'], undefined))).toEqual(['west.node9']);
    expect(names(selectAgents(config, ['node1', 'node2'], 'east'))).toEqual(['east.node1', 'east.node2']);
  });

  it('refuses a member id shared by two clusters unless the cluster is named', () => {
    expect(() => selectAgents(config, ['node1'], undefined)).toThrow(/several clusters \(east, west\); name one with --cluster/);
  });

  it('refuses an unknown member or cluster, saying which', () => {
    expect(() => selectAgents(config, ['node7'], undefined)).toThrow(/Member "node7" is not in the configuration/);
    expect(() => selectAgents(config, ['node1'], 'north')).toThrow(/Cluster "north" is not in the configuration; known clusters: east, west/);
  });
});
