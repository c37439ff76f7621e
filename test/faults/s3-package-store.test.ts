// Issue 10's faults of the S3 package store, on a real versitygw of this test's own, which it stops
// and starts again: S3 down during an export and during an import (the operation shows the retry
// and its error, completes once S3 is back, and each key is on the member exactly once), and an
// object altered in the bucket (the member fails as tampered, nothing imported). No credential in
// any history.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveUpdate, memberStateQuery, operationStateQuery } from '../../libs/contract/messages';
import type { MemberStatus } from '../../libs/contract/operations';
import { memberSyncWorkflowId } from '../../libs/contract/workflow-ids';
import type { KeySyncWorkflow } from '../../libs/contract/workflow-types';
import { expectEachKeyOnce, makeKeys } from '../concurrency/support/exactly-once';
import { startPrivateS3 } from '../support/s3';
import { waitFor } from '../support/wait-for';
import { signApproval } from '../workflows/support/approvers';
import type { ClusterFixture } from '../workflows/support/cluster-fixture';
import { createClusterFixture } from '../workflows/support/cluster-fixture';
import { fetchHistoryJson, readableHistory } from '../workflows/support/histories';
import { memberState, startKeySync } from './support/sync-helpers';
import { countTokenObjects } from './support/token-objects';

const PREFIX = 'packages/';
/** Short pauses between retries, so a test sees several and ends soon after S3 is back. */
const TIMING = { retryInitialSeconds: 1, retryMaxSeconds: 2, heartbeatSeconds: 15, callSeconds: 60, nodeProbeSeconds: 10 };

describe('an S3 package store that fails', () => {
  let dir: string;
  let s3: Awaited<ReturnType<typeof startPrivateS3>>;
  let fixture: ClusterFixture;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keysync-s3-fault-'));
    s3 = await startPrivateS3(dir);
    fixture = await createClusterFixture({
      members: ['n1', 'n2'],
      withSecrets: ['n1', 'n2'],
      // n2 waits for one approval after the export: the moment this test changes S3.
      memberPolicies: { n2: { approvals: 1, timeoutSeconds: 600 } },
      packageStore: {
        config: { s3: { endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, prefix: PREFIX, forcePathStyle: true, ...s3.sources } },
        filesDir: join(s3.dataDir, s3.bucket, PREFIX),
      },
    });
    await fixture.startWorkers();
  });

  afterAll(async () => {
    await fixture?.close();
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function approveN2(handle: WorkflowHandle<KeySyncWorkflow>): Promise<void> {
    const digest = await waitFor(async () => (await handle.query(operationStateQuery)).package?.digest, { description: 'the package to be exported' });
    await waitFor(async () => (await memberState(fixture, handle.workflowId, 'n2')) === 'awaiting-approval', { description: 'n2 to await its approval' });
    const workflowId = memberSyncWorkflowId(handle.workflowId, 'n2');
    await fixture.client.workflow.getHandle(workflowId).executeUpdate(approveUpdate, { args: [signApproval(fixture.approvers[0]!, { workflowId, member: 'n2', subject: digest })] });
  }

  function n2Status(handle: WorkflowHandle<KeySyncWorkflow>): Promise<MemberStatus> {
    return fixture.client.workflow.getHandle(memberSyncWorkflowId(handle.workflowId, 'n2')).query(memberStateQuery);
  }

  async function expectNoCredentialIn(handle: WorkflowHandle<KeySyncWorkflow>): Promise<void> {
    for (const workflowId of [handle.workflowId, memberSyncWorkflowId(handle.workflowId, 'n2')]) {
      const text = readableHistory(await fetchHistoryJson(fixture.client, workflowId));
      for (const secret of [s3.secretAccessKey, s3.accessKeyId, ...Object.values(fixture.pins)]) expect(text).not.toContain(secret);
    }
  }

  it('S3 down during the export: the source is retried, with the error shown, until S3 is back', async () => {
    const ids = await makeKeys(fixture, 'n1', 'a0', 3);
    await s3.stop();
    const handle = await startKeySync(fixture, 'n1', TIMING);
    const message = await waitFor(async () => (await handle.query(operationStateQuery)).message?.includes('package-store-unreachable') && (await handle.query(operationStateQuery)).message, {
      timeoutMs: 60_000,
      description: 'the operation to show the source retrying on the unreachable S3 endpoint',
    });
    expect(message).toContain(`The source n1 failed (package-store-unreachable: Member n1: The package store's S3 endpoint ${s3.endpoint} cannot be reached (ECONNREFUSED)`);
    expect(message).toMatch(/retrying\.$/);
    expect((await handle.query(operationStateQuery)).package).toBeNull();

    await s3.restart();
    await approveN2(handle);
    const result = await handle.result();
    expect(result.state).toBe('completed');
    expect(result.members).toMatchObject([{ member: 'n2', state: 'in-sync', keysImported: 3 }]);
    await expectEachKeyOnce(fixture, 'n2', ids);
    await expectNoCredentialIn(handle);
  });

  it('S3 down during the import: n2 shows itself retrying with the S3 error, completes once S3 is back, each key once', async () => {
    const ids = await makeKeys(fixture, 'n1', 'b0', 4);
    const handle = await startKeySync(fixture, 'n1', TIMING);
    // The package is in the bucket; n2 has not read it yet.
    await waitFor(async () => (await memberState(fixture, handle.workflowId, 'n2')) === 'awaiting-approval', { description: 'n2 to await its approval' });
    await s3.stop();
    await approveN2(handle);

    const retrying = await waitFor(
      async () => {
        const status = await n2Status(handle);
        return status.attempts >= 2 && status.lastError?.type === 'package-store-unreachable' ? status : null;
      },
      { timeoutMs: 60_000, description: 'n2 to retry its import on the unreachable S3 endpoint' },
    );
    expect(retrying.state).toBe('importing');
    expect(retrying.lastError?.message).toContain(`Member n2: The package store's S3 endpoint ${s3.endpoint} cannot be reached (ECONNREFUSED)`);
    expect(retrying.keysImported).toBe(0);

    await s3.restart();
    const result = await handle.result();
    expect(result.state).toBe('completed');
    expect(result.members).toMatchObject([{ member: 'n2', state: 'in-sync', keysImported: 4 }]);
    expect((await n2Status(handle)).attempts).toBeGreaterThan(retrying.attempts);
    await expectEachKeyOnce(fixture, 'n2', ids);
    await expectNoCredentialIn(handle);
  });

  it('an object altered in the bucket: n2 fails as tampered and nothing is imported', async () => {
    const ids = await makeKeys(fixture, 'n1', 'c0', 2);
    const handle = await startKeySync(fixture, 'n1', TIMING);
    const digest = await waitFor(async () => (await handle.query(operationStateQuery)).package?.digest, { description: 'the package to be exported' });
    // Changed on the S3 server's disk, behind the gateway: the object is no longer what was exported.
    writeFileSync(join(s3.dataDir, s3.bucket, `${PREFIX}${digest}`), Buffer.from('a package someone rewrote in the bucket'));
    await approveN2(handle);

    const result = await handle.result();
    const n2 = result.members.find((member) => member.member === 'n2');
    expect(n2).toMatchObject({ state: 'failed', reason: 'tampered-package', keysImported: 0 });
    expect(n2?.detail).toContain(`Blob ${digest} in the package store does not match its digest: it was altered in the bucket`);
    const onN2 = await countTokenObjects(fixture.cluster.members.find((member) => member.id === 'n2')!, fixture.pins.n2!);
    expect(ids.filter((id) => onN2.has(`private-key:${id}`) || onN2.has(`public-key:${id}`))).toEqual([]);
    await expectNoCredentialIn(handle);
  });
});
