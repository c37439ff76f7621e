// The workflows as one prebuilt bundle (dist/workflows/workflow-bundle.js), made by `npm run build`
// (scripts/bundle-workflows.mjs), so the worker does not bundle them with webpack when it starts:
// that bundling grows the worker's heap by about 100 MB (measured: 281 MB RSS with workflowsPath,
// 175 MB with the bundle, for an orchestrator alone), and the heap stays grown.
//
// A bundle is used only when it was made from exactly the compiled files beside it: a digest of
// those files (and of the installed manifests of the packages bundled with them) is written with
// it and checked at start. Anything else (a `tsc` run alone since, the TypeScript sources in
// tests) falls back to workflowsPath, bundled at start as before.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** What the workflows' bundle is made of, under dist/: the workflows and the libs they may import (ARCHITECTURE.md). */
const BUNDLED_DIRS = ['workflows', join('libs', 'contract'), join('libs', 'approvals')];
/** The packages the workflows import (ARCHITECTURE.md): their installed versions are part of the bundle. */
const BUNDLED_PACKAGES = ['@temporalio/workflow', '@temporalio/common', '@noble/curves'];
const BUNDLE_FILE = 'workflow-bundle.js';
const DIGEST_FILE = 'workflow-bundle.digest';

function jsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => path.endsWith('.js') && !path.endsWith(BUNDLE_FILE) && statSync(path).isFile())
    .sort();
}

/** SHA-256 over the compiled inputs of the bundle (names and contents) and the bundled packages' manifests. */
export function workflowInputsDigest(distRoot: string): string {
  const hash = createHash('sha256');
  for (const file of BUNDLED_DIRS.flatMap((dir) => jsFiles(join(distRoot, dir)))) {
    hash.update(relative(distRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  for (const name of BUNDLED_PACKAGES) {
    const manifest = join(distRoot, '..', 'node_modules', name, 'package.json');
    hash.update(name).update('\0').update(existsSync(manifest) ? readFileSync(manifest) : '(absent)').update('\0');
  }
  return hash.digest('hex');
}

/** Writes the bundle and the digest of what it was made from (the build's step). */
export function writeWorkflowBundle(distRoot: string, code: string): string {
  const codePath = join(distRoot, 'workflows', BUNDLE_FILE);
  writeFileSync(codePath, code);
  writeFileSync(join(distRoot, 'workflows', DIGEST_FILE), workflowInputsDigest(distRoot));
  return codePath;
}

/** The prebuilt bundle beside the compiled workflows at `workflowsIndex`, when it matches them; else null. */
export function prebuiltWorkflowBundle(workflowsIndex: string): { codePath: string } | null {
  if (!workflowsIndex.endsWith('.js')) return null;
  const workflowsDir = join(workflowsIndex, '..');
  const codePath = join(workflowsDir, BUNDLE_FILE);
  const digestPath = join(workflowsDir, DIGEST_FILE);
  if (!existsSync(codePath) || !existsSync(digestPath)) return null;
  const distRoot = join(workflowsDir, '..');
  return readFileSync(digestPath, 'utf8').trim() === workflowInputsDigest(distRoot) ? { codePath } : null;
}
