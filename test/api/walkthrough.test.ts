// The suite's walkthrough (test/support/walkthrough-steps.ts) on the embedded parts: the API
// in-process, the run's Temporal dev server, the real orchestrator and node agents on SoftHSM tokens
// of one token store. node1 founds the cluster with node2; node3 joins in the walkthrough. The same
// steps run against `npm run start:production` in test/production/walkthrough.test.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { type WalkthroughApprover, type WalkthroughTarget, walkthroughSteps } from '../support/walkthrough-steps';
import { type ClusterFixture, createClusterFixture } from '../workflows/support/cluster-fixture';
import { type ApiHarness, startApiHarness } from './support/api-harness';

describe('walkthrough on the embedded parts', () => {
  let fixture: ClusterFixture;
  let api: ApiHarness;
  let target: WalkthroughTarget;

  beforeAll(async () => {
    fixture = await createClusterFixture({
      members: ['node1', 'node2', 'node3'],
      withSecrets: ['node1', 'node2'],
      syncPolicy: { approvals: 1, timeoutSeconds: 300 },
      joinPolicy: { approvals: 2, timeoutSeconds: 300 },
    });
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'founder-key', id: 'a1' }));
    await fixture.startWorkers();
    api = await startApiHarness({ baseConfig: fixture.config, orchestratorTaskQueue: fixture.orchestratorQueue });

    // The approvers' key files, as `keysync approver-key new` writes them, and the configuration file the archive is verified against.
    mkdirSync(join(fixture.dir, 'approvers'), { mode: 0o700 });
    const approverKeys = Object.fromEntries(
      fixture.approvers.map((approver) => {
        const file = join(fixture.dir, 'approvers', `${approver.config.id}.pem`);
        writeFileSync(file, approver.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
        return [approver.config.id, file];
      }),
    ) as Record<WalkthroughApprover, string>;
    const configFile = join(fixture.dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(api.config, null, 2), { mode: 0o600 });

    target = {
      apiUrl: api.baseUrl,
      cluster: fixture.clusterId,
      tokens: api.tokens,
      approverKeys,
      // Every member's token is in the fixture's one token store, named in this process's SOFTHSM2_CONF.
      members: fixture.cluster.members.map((member) => ({
        id: member.id,
        pkcs11Module: member.pkcs11Module,
        tokenLabel: member.tokenLabel,
        pin: fixture.pins[member.id]!,
        environment: { SOFTHSM2_CONF: process.env.SOFTHSM2_CONF! },
      })),
      joiners: ['node3'],
      auditArchive: { dir: fixture.config.auditArchive.dir, configFile },
    };
  });

  afterAll(async () => {
    await api?.close();
    await fixture?.close();
  });

  walkthroughSteps(() => target);
});
