// The suite's walkthrough (test/support/walkthrough-steps.ts) against `npm run start:production`,
// started once from dist on a fresh state folder: Temporal on PostgreSQL (two server processes,
// mutual TLS), the package store in S3, two orchestrators, and each member's agent on its own host
// folder. The CLI and the API are used exactly as on the embedded parts; what differs is only read
// from the stack's demo.json and state folder: each member's token store (its host's softhsm2.conf),
// the demo's tokens and approver key files, where the audit archive and config.json are. Only node1
// holds the cluster secrets at first: node2 and node3 join in the walkthrough. Then the Temporal Web
// UI of the shape is asked, over HTTP, for the namespace and the joins (through mutual TLS).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductionDemoFile } from '../../apps/stack/production/production-demo-file';
import { productionPaths } from '../../apps/stack/production/production-paths';
import { freeProductionStackPorts, startStackProcess } from '../support/stack-process';
import type { StackUnderTest } from '../support/stack-process';
import { type WalkthroughTarget, walkthroughSteps } from '../support/walkthrough-steps';

describe('walkthrough on npm run start:production', () => {
  const home = mkdtempSync(join(tmpdir(), 'keysync-production-walkthrough-'));
  let stack: StackUnderTest | undefined;
  let target: WalkthroughTarget;

  beforeAll(async () => {
    stack = startStackProcess(home, await freeProductionStackPorts(), {}, 'production');
    await stack.ready(240_000);
    const demo = JSON.parse(readFileSync(join(home, 'demo.json'), 'utf8')) as ProductionDemoFile;
    const paths = productionPaths(home);
    // Each member as demo.json lists it in the production shape: with its module and its host's environment.
    const members: Array<ProductionDemoFile['members'][number]> = demo.members;
    target = {
      apiUrl: demo.apiUrl,
      cluster: demo.cluster,
      tokens: demo.tokens,
      approverKeys: demo.approverKeys,
      members: members.map((member) => ({ id: member.id, pkcs11Module: member.pkcs11Module, tokenLabel: member.tokenLabel, pin: member.pin, environment: member.environment })),
      joiners: members.slice(1).map((member) => member.id),
      auditArchive: { dir: paths.audit, configFile: paths.config },
    };
  }, 300_000);

  afterAll(async () => {
    const exit = await stack?.terminate(90_000);
    if (exit && exit.code !== 0) console.error(`start:production exited ${String(exit.code ?? exit.signal)}:\n${stack!.output().slice(-4000)}`);
    rmSync(home, { recursive: true, force: true });
  }, 120_000);

  walkthroughSteps(() => target);

  it('serves the Temporal Web UI on loopback, which reaches the namespace through a frontend over mutual TLS and lists the walkthrough’s workflows', async () => {
    const demo = JSON.parse(readFileSync(join(home, 'demo.json'), 'utf8')) as ProductionDemoFile;
    expect(demo.temporalUiUrl).toBe(`http://127.0.0.1:${stack!.ports.ui}`);
    expect(stack!.stdout()).toContain(`Temporal UI    ${demo.temporalUiUrl}`);
    expect((await fetch(demo.temporalUiUrl)).status).toBe(200);
    // The UI's own API, answered by a Temporal frontend: a 200 only if its client certificate and CA are right.
    const namespace = await fetch(`${demo.temporalUiUrl}/api/v1/namespaces/default`);
    expect(namespace.status, await namespace.clone().text()).toBe(200);
    expect(((await namespace.json()) as { namespaceInfo: { name: string } }).namespaceInfo.name).toBe('default');
    const workflows = await fetch(`${demo.temporalUiUrl}/api/v1/namespaces/default/workflows?query=${encodeURIComponent("WorkflowType = 'join'")}`);
    expect(workflows.status).toBe(200);
    const ids = ((await workflows.json()) as { executions: { execution: { workflowId: string } }[] }).executions.map((execution) => execution.execution.workflowId);
    expect(ids.sort()).toEqual(target.joiners.map((member) => `join:${target.cluster}:${member}`).sort());
  });
});
