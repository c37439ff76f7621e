#!/usr/bin/env node
// Builds the console (apps/console) into dist/console, where the API serves it at `/`: type-checks
// it with its own tsconfig (DOM types), bundles it with esbuild into content-hashed files under
// dist/console/assets (cached for good by browsers), and writes index.html naming them. Run by
// `npm run build` and by scripts/setup.mjs before start and test.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'apps', 'console');
const out = join(root, 'dist', 'console');

const check = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(source, 'tsconfig.json')], { stdio: 'inherit', cwd: root });
if (check.status !== 0) {
  process.stderr.write('\nThe console does not type-check; the errors are above.\n');
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
const result = await build({
  entryPoints: { console: join(source, 'main.ts'), styles: join(source, 'styles.css') },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  minify: true,
  sourcemap: 'linked',
  entryNames: '[name]-[hash]',
  outdir: join(out, 'assets'),
  metafile: true,
  logLevel: 'warning',
});
const outputs = Object.entries(result.metafile.outputs);
const built = (entry) => {
  const found = outputs.find(([file, meta]) => !file.endsWith('.map') && meta.entryPoint !== undefined && basename(file).startsWith(`${entry}-`));
  if (!found) throw new Error(`esbuild wrote no ${entry} bundle`);
  return basename(found[0]);
};
const html = readFileSync(join(source, 'index.html'), 'utf8').replace('{{script}}', built('console')).replace('{{styles}}', built('styles'));
writeFileSync(join(out, 'index.html'), html);
process.stderr.write(`[keysync build] console built into ${out}\n`);
