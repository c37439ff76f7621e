// The worker runs the build's prebuilt workflow bundle only when it was made from exactly the
// compiled workflows beside it (apps/worker/workflow-bundle.ts); after any change to them it falls
// back to bundling at start, so it never runs stale workflow code. Files in a temporary dist/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prebuiltWorkflowBundle, writeWorkflowBundle } from '../../apps/worker/workflow-bundle';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function compiledTree(): { dist: string; index: string } {
  const root = mkdtempSync(join(tmpdir(), 'keysync-bundle-'));
  dirs.push(root);
  const dist = join(root, 'dist');
  for (const dir of ['workflows', 'libs/contract', 'libs/approvals', 'libs/hsm']) mkdirSync(join(dist, dir), { recursive: true });
  writeFileSync(join(dist, 'workflows', 'index.js'), 'exports.keySync = 1;');
  writeFileSync(join(dist, 'libs', 'contract', 'messages.js'), 'exports.a = 1;');
  writeFileSync(join(dist, 'libs', 'approvals', 'challenge.js'), 'exports.b = 1;');
  writeFileSync(join(dist, 'libs', 'hsm', 'token.js'), 'exports.c = 1;');
  mkdirSync(join(root, 'node_modules', '@temporalio', 'workflow'), { recursive: true });
  writeFileSync(join(root, 'node_modules', '@temporalio', 'workflow', 'package.json'), '{"version":"1.24.0"}');
  return { dist, index: join(dist, 'workflows', 'index.js') };
}

describe('prebuiltWorkflowBundle', () => {
  it('is the bundle the build wrote, while the compiled workflows are those it was made from', () => {
    const { dist, index } = compiledTree();
    const codePath = writeWorkflowBundle(dist, '/* bundle */');
    expect(prebuiltWorkflowBundle(index)).toEqual({ codePath });
    // A library the workflows never bundle may change freely.
    writeFileSync(join(dist, 'libs', 'hsm', 'token.js'), 'exports.c = 2;');
    expect(prebuiltWorkflowBundle(index)).toEqual({ codePath });
  });

  it('is refused once a workflow, a contract file or a bundled package changed since, or a workflow file was added', () => {
    for (const change of [
      (dist: string) => writeFileSync(join(dist, 'workflows', 'index.js'), 'exports.keySync = 2;'),
      (dist: string) => writeFileSync(join(dist, 'libs', 'contract', 'messages.js'), 'exports.a = 2;'),
      (dist: string) => writeFileSync(join(dist, 'libs', 'approvals', 'challenge.js'), 'exports.b = 2;'),
      (dist: string) => writeFileSync(join(dist, 'workflows', 'new-workflow.js'), 'exports.d = 1;'),
      (dist: string) => writeFileSync(join(dist, '..', 'node_modules', '@temporalio', 'workflow', 'package.json'), '{"version":"1.25.0"}'),
    ]) {
      const { dist, index } = compiledTree();
      writeWorkflowBundle(dist, '/* bundle */');
      change(dist);
      expect(prebuiltWorkflowBundle(index)).toBeNull();
    }
  });

  it('is never used for the TypeScript sources (tests) nor when the build made none', () => {
    const { index } = compiledTree();
    expect(prebuiltWorkflowBundle(index)).toBeNull();
    expect(prebuiltWorkflowBundle(index.replace(/\.js$/, '.ts'))).toBeNull();
  });
});
