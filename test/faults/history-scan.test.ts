// Nothing secret in Temporal: a sync and a refused (tampered) package run here through the real
// agents, then EVERY closed workflow on the run's dev server (this file's and whatever other test
// files finished before) is fetched and read with its payloads decoded. None may hold a test PIN
// (every test PIN in the suite has the form pin + 12 hex digits), the name of the package field
// that carries wrapped keys, or any wrapped key of this file's packages.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureTypes } from '../../libs/contract/failure-types';
import { keySyncWorkflowId, memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import type { MemberSyncWorkflow } from '../../libs/contract/workflow-types';
import { decodePackage, encodePackage } from '../../libs/hsm';
import { createPackageStore } from '../../libs/package-store';
import type { ClusterFixture } from '../workflows/support/cluster-fixture';
import { createClusterFixture } from '../workflows/support/cluster-fixture';
import { fetchHistoryJson, readableHistory, secretsToLookFor } from '../workflows/support/histories';
import { generateFounderKeys, startKeySync } from './support/sync-helpers';

const TEST_PIN_PATTERN = /pin[0-9a-f]{12}/;

describe('workflow histories on the test server', () => {
  let fixture: ClusterFixture;

  beforeAll(async () => {
    fixture = await createClusterFixture({ members: ['n1', 'n2'], withSecrets: ['n1', 'n2'] });
    await generateFounderKeys(fixture, 'n1', 2, 1);
    await fixture.startWorkers();
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('hold no PIN and no wrapped key bytes, for a sync and for a refused package', async () => {
    const sync = await (await startKeySync(fixture, 'n1', {})).result();
    expect(sync.state).toBe('completed');

    // A forged package (MAC kept, entry changed) sent to n2 on its own: refused as tampered.
    const store = await createPackageStore(fixture.config.packageStore);
    const original = decodePackage(await store.get(sync.package!.digest));
    const forged = await store.put(encodePackage({ header: original.header, entries: original.entries.map((entry) => ({ ...entry, label: `${entry.label}-forged` })) }, Buffer.from(original.trailer.mac, 'hex')));
    const refused = await fixture.client.workflow.execute<MemberSyncWorkflow>('memberSync', {
      taskQueue: fixture.orchestratorQueue,
      workflowId: memberSyncWorkflowId(keySyncWorkflowId(fixture.clusterId, randomUUID()), 'n2'),
      args: [
        {
          cluster: fixture.clusterId,
          member: 'n2',
          operationId: `scan-${randomUUID()}`,
          requestedBy: 'scan-test',
          reason: 'a forged package must be refused without leaking it',
          package: { ...forged, keyCount: original.entries.length },
          expected: [],
          approvers: fixture.cluster.approvers,
          policy: { approvals: 0, timeoutSeconds: 60 },
        },
      ],
    });
    expect(refused).toMatchObject({ state: 'failed', reason: FailureTypes.tamperedPackage });

    const secrets = secretsToLookFor(fixture.pins, fixture.packagesDir);
    expect(secrets.length).toBeGreaterThan(Object.keys(fixture.pins).length);
    const findings: string[] = [];
    let scanned = 0;
    for await (const execution of fixture.client.workflow.list({ query: 'ExecutionStatus != "Running"' })) {
      const text = readableHistory(await fetchHistoryJson(fixture.client, execution.workflowId, execution.runId));
      scanned += 1;
      // Which kind of secret and where, never the secret itself.
      if (TEST_PIN_PATTERN.test(text)) findings.push(`${execution.workflowId}: a test PIN`);
      if (text.includes('wrappedKey')) findings.push(`${execution.workflowId}: a package's wrappedKey field`);
      const leaked = secrets.filter((secret) => text.includes(secret)).length;
      if (leaked > 0) findings.push(`${execution.workflowId}: ${leaked} wrapped key or PIN value(s) of this test`);
    }
    expect(scanned).toBeGreaterThanOrEqual(2);
    expect(findings).toEqual([]);
  });
});
