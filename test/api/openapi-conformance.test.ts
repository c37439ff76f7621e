// The API keeps the promises of its OpenAPI document: schemathesis (schema-driven fuzzing, every
// check on) against the real API, its Temporal and real node agents on SoftHSM tokens, once with
// each role's token. Any server error, any status or content type the spec does not list, any
// schema-valid request refused or schema-invalid one accepted, a 405 without Allow: the test
// fails and prints schemathesis's report of it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSchemathesis } from '../support/schemathesis';
import { waitFor } from '../support/wait-for';
import { type ClusterFixture, createClusterFixture } from '../workflows/support/cluster-fixture';
import { type ApiHarness, type PrincipalName, startApiHarness } from './support/api-harness';

/** Per operation, for the fuzzing phase: with four roles the whole test stays well within three minutes on two cores. */
const maxExamples = 30;
/** Fixed, so a failure can be replayed with the same data (`st run ... --seed`). */
const seed = 20260901;

interface Report {
  operations: { total: number; tested: number };
  test_cases: { generated: number; with_failures: number };
  failures: { code: string; title: string; count: number; operations: string[] }[];
  errors: unknown[];
}

interface Run {
  exitCode: number;
  output: string;
  report: Report | null;
}

function runSchemathesis(st: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(st, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 170_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      let report: Report | null = null;
      try {
        report = JSON.parse(readFileSync(join(cwd, 'report.json'), 'utf8')) as Report;
      } catch {
        report = null;
      }
      resolve({ exitCode: code, output: `${stdout}${stderr}`, report });
    });
  });
}

describe('OpenAPI conformance (schemathesis, every check, each role)', () => {
  let fixture: ClusterFixture;
  let api: ApiHarness;
  let st: string;
  let work: string;
  let packagePath: string;

  /** A real package of this cluster, made by a sync and downloaded as an operator would: the upload's test data. */
  async function downloadPackage(): Promise<string> {
    const started = await api.request('POST', `/v1/clusters/${api.cluster}/syncs`, { as: 'operator', json: { source: 'node1', targets: ['node2'], reason: 'fuzz test data' } });
    expect(started.status).toBe(202);
    const digest = await waitFor(
      async () => {
        const operation = await api.request('GET', `/v1/operations/${started.body.operationId as string}`, { as: 'auditor' });
        return (operation.body.package as { digest?: string } | null)?.digest ?? null;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: 'the sync to export its package' },
    );
    const response = await fetch(`${api.baseUrl}/v1/packages/${digest}`, { headers: { authorization: `Bearer ${api.tokens.operator}` } });
    expect(response.status).toBe(200);
    const path = join(work, `${digest}.ksp`);
    writeFileSync(path, Buffer.from(await response.arrayBuffer()));
    return path;
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'keysync-conformance-'));
    st = await ensureSchemathesis();
    fixture = await createClusterFixture({
      // The spec's examples name cluster demo and members node1-3: examples then reach real resources.
      clusterId: 'demo',
      members: ['node1', 'node2', 'node3'],
      withSecrets: ['node1', 'node2'],
      // Operations the fuzzer starts wait for approvals instead of importing keys over and over.
      syncPolicy: { approvals: 1, timeoutSeconds: 600 },
      joinPolicy: { approvals: 2, timeoutSeconds: 600 },
    });
    await fixture.withToken('node1', (token) => token.generateKey({ keyType: 'ec', curve: 'P-256', label: 'fuzz-key', id: 'f1' }));
    await fixture.startWorkers();
    api = await startApiHarness({ baseConfig: fixture.config, orchestratorTaskQueue: fixture.orchestratorQueue });
    packagePath = await downloadPackage();
  }, 240_000);

  afterAll(async () => {
    // What the fuzzer started waits for approvals: end it, so no workflow outlives the test.
    if (fixture) {
      for await (const execution of fixture.client.workflow.list({ query: `KeySyncCluster = '${fixture.clusterId}' AND ExecutionStatus = 'Running'` })) {
        await fixture.client.workflow
          .getHandle(execution.workflowId, execution.runId)
          .terminate('conformance test over')
          .catch(() => undefined);
      }
    }
    await api?.close();
    await fixture?.close();
    rmSync(work, { recursive: true, force: true });
  }, 120_000);

  // The admin first: the join it starts (the spec's example, join:demo:node3) is there for the approver to find.
  const roles: [string, PrincipalName][] = [
    ['admin', 'admin'],
    ['operator', 'operator'],
    ['approver', 'approver-1'],
    ['auditor', 'auditor'],
  ];

  it.each(roles)('with the %s token: no server error and no conformance failure', async (role, principal) => {
    const cwd = mkdtempSync(join(work, `${role}-`));
    const args = [
      'run',
      `${api.baseUrl}/v1/openapi.json`,
      '--url',
      api.baseUrl,
      '--checks',
      'all',
      '--max-examples',
      String(maxExamples),
      '--seed',
      String(seed),
      '--header',
      `Authorization: Bearer ${api.tokens[principal]}`,
      // An inventory or an availability answer asks every member's HSM through Temporal: on a
      // loaded two-core machine that can take longer than the default 10 s of either limit.
      '--request-timeout',
      '60',
      '--max-response-time',
      '30',
      '--generation-database',
      'none',
      '--no-color',
      '--report',
      'json',
      '--report-json-path',
      join(cwd, 'report.json'),
    ];
    const env = { ...process.env, SCHEMATHESIS_HOOKS: join(__dirname, 'support', 'schemathesis_hooks.py'), KEYSYNC_FUZZ_PACKAGE: packagePath };
    const run = await runSchemathesis(st, args, env, cwd);
    const report = run.report;
    if (report) {
      const failures = report.failures.reduce((sum, failure) => sum + failure.count, 0);
      console.log(
        `schemathesis as ${role}: ${report.operations.tested}/${report.operations.total} operations, ${report.test_cases.generated} examples, ` +
          `${failures} failures, ${report.errors.length} errors`,
      );
    }
    const failuresAt = run.output.indexOf(' FAILURES ');
    const detail = failuresAt === -1 ? run.output.slice(-20_000) : run.output.slice(failuresAt, failuresAt + 20_000);
    expect(report, `schemathesis wrote no report:\n${run.output.slice(-6000)}`).not.toBeNull();
    expect(report?.failures, detail).toEqual([]);
    expect(report?.errors, run.output.slice(-20_000)).toEqual([]);
    expect(run.exitCode, run.output.slice(-6000)).toBe(0);
  }, 180_000);
});
