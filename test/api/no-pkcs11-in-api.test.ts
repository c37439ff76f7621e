// The API never holds an HSM (DESIGN section 1), so its process must not even load the PKCS#11
// addon: the package codec and canonical JSON it needs come from libs/package-format, which
// imports no native module. A child process loads the API's module graph without starting it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../libs/config/paths';

const probe = join(__dirname, 'fixtures', 'module-graph-probe.ts');

interface ModuleGraph {
  /** Repository files the entry loaded, relative to the repository root. */
  repositoryFiles: string[];
  /** Shortest import chain from the entry to the package, or null when it was not loaded. */
  chain: string[] | null;
}

async function loadInChildProcess(entry: string, forbiddenPackage: string): Promise<ModuleGraph> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', probe, forbiddenPackage, entry], { cwd: repoRoot(), maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as ModuleGraph;
}

describe('the API process and PKCS#11', () => {
  it('loads the whole API (create-api.ts, its Nest module and every controller) without loading pkcs11js', async () => {
    const graph = await loadInChildProcess('apps/api/create-api.ts', 'pkcs11js');
    expect(graph.repositoryFiles).toEqual(expect.arrayContaining(['apps/api/app.module.ts', 'apps/api/packages/package-upload.ts', 'libs/package-format/index.ts']));
    expect(graph.chain, `the API loads pkcs11js through ${graph.chain?.join(' -> ')}`).toBeNull();
  });

  it('the check sees pkcs11js, and who imported it, when a module that uses it is loaded', async () => {
    const graph = await loadInChildProcess('libs/hsm/errors.ts', 'pkcs11js');
    expect(graph.chain?.[0]).toBe(join('libs', 'hsm', 'errors.ts'));
    expect(graph.chain?.at(-1)).toMatch(/node_modules[/\\]pkcs11js[/\\]/);
  });
});
