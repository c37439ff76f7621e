#!/usr/bin/env node
// The one entry point behind `npm start`, `npm test` and friends. It uses nothing but Node's own
// modules, because on a fresh machine nothing else is installed yet: it installs what is missing
// (npm dependencies, SoftHSM2 and OpenSC, the Temporal CLI, and for the tests versitygw), then runs
// the command asked for.
import { spawnSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TEMPORAL_CLI_VERSION = 'v1.5.1';
// The S3 server of the tests (libs/s3-server/find-versitygw.ts finds the same build).
const VERSITYGW_VERSION = 'v1.8.0';
const SOFTHSM_MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

function log(message) {
  process.stderr.write(`[keysync setup] ${message}\n`);
}

function fail(message) {
  process.stderr.write(`\n[keysync setup] ${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return null;
}

function ensureNpmDependencies() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  const fresh = existsSync(marker) && (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs);
  if (fresh) return;
  log('installing npm dependencies (first run)...');
  const status = run('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);
  if (status !== 0) fail('npm could not install the dependencies; see its output above, fix it, then run the command again.');
}

function findSoftHsmModule() {
  return SOFTHSM_MODULE_CANDIDATES.find((path) => existsSync(path)) ?? null;
}

function ensureSoftHsm() {
  if (process.env.KEYSYNC_SKIP_SOFTHSM === '1') return;
  if (findSoftHsmModule() && onPath('softhsm2-util') && onPath('pkcs11-tool')) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    fail(
      'SoftHSM2 and OpenSC are needed (the demo members are SoftHSM tokens; pkcs11-tool is used by tests).\n' +
        'Install them, then run the command again. On Debian or Ubuntu:\n' +
        '  sudo apt-get install -y softhsm2 opensc',
    );
  }
  log('installing Debian packages softhsm2 and opensc...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-q'], { env }) !== 0 || run('apt-get', ['install', '-y', '-q', 'softhsm2', 'opensc'], { env }) !== 0) {
    fail('apt-get could not install softhsm2 and opensc; see its output above.');
  }
}

/**
 * Finds a Go program by its variable, then the PATH, then the cache
 * `${XDG_CACHE_HOME:-~/.cache}/keysync/<binary>-<version>/`, and builds it there with
 * `GOBIN=<cache> go install <module>@<version>` when nothing has it.
 */
function ensureGoTool({ what, envVar, binary, module, version, why, manual, installedAs = binary }) {
  if (process.env[envVar]) {
    if (!existsSync(process.env[envVar])) fail(`${envVar} points at ${process.env[envVar]}, which does not exist.`);
    return process.env[envVar];
  }
  const fromPath = onPath(binary);
  if (fromPath) return fromPath;
  const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const cacheDir = join(cacheRoot, 'keysync', `${binary}-${version}`);
  const cached = join(cacheDir, binary);
  if (existsSync(cached)) return cached;
  if (!onPath('go')) {
    fail(
      `${what} is needed (${why}). Either:\n` +
        `  - ${manual}, or set ${envVar} to its path, or\n` +
        `  - install Go 1.25 or later, and this command builds it into ${cacheDir}.`,
    );
  }
  mkdirSync(cacheDir, { recursive: true });
  log(`building ${what} ${version} with Go into ${cacheDir}; a first build takes minutes...`);
  const status = run('go', ['install', `${module}@${version}`], {
    env: { ...process.env, GOBIN: cacheDir, GOFLAGS: process.env.GOFLAGS ?? '-mod=mod' },
  });
  // `go install` names the binary after the module's last path element (`server`, `sql`): renamed to what the finders look for.
  if (status === 0 && installedAs !== binary && existsSync(join(cacheDir, installedAs))) renameSync(join(cacheDir, installedAs), cached);
  if (status !== 0 || !existsSync(cached)) {
    fail(`go install of ${what} failed (see above). Build or install it by hand and set ${envVar} to its path.`);
  }
  return cached;
}

/** The Temporal CLI, which carries the dev server. */
function ensureTemporalCli() {
  return ensureGoTool({
    what: 'the Temporal CLI',
    envVar: 'TEMPORAL_CLI',
    binary: 'temporal',
    module: 'github.com/temporalio/cli/cmd/temporal',
    version: TEMPORAL_CLI_VERSION,
    why: 'its dev server is the embedded Temporal',
    manual: 'install it and put `temporal` on the PATH (https://docs.temporal.io/cli)',
  });
}

/** versitygw (Apache-2.0), the real S3 server the tests keep packages in. */
function ensureVersitygw() {
  return ensureGoTool({
    what: 'versitygw',
    envVar: 'VERSITYGW',
    binary: 'versitygw',
    module: 'github.com/versity/versitygw/cmd/versitygw',
    version: VERSITYGW_VERSION,
    why: 'the tests keep packages in a real S3 server',
    manual: 'install it and put `versitygw` on the PATH (https://github.com/versity/versitygw)',
  });
}

// The production shape's Temporal server, its schema tool and its Web UI server (libs/temporal-server/find-temporal-server.ts finds the same builds).
const TEMPORAL_SERVER_VERSION = 'v1.29.1';
// The UI server the Temporal CLI v1.5.1 embeds (its go.mod): the same UI as `npm start`'s.
const TEMPORAL_UI_SERVER_VERSION = 'v2.42.1';

/** What `npm run start:production` runs besides the embedded stack's needs: PostgreSQL, the Temporal server, its schema tool and Web UI server, versitygw. */
function ensureProductionTools() {
  process.env.VERSITYGW = ensureVersitygw();
  process.env.TEMPORAL_SERVER = ensureGoTool({
    what: 'the Temporal server',
    envVar: 'TEMPORAL_SERVER',
    binary: 'temporal-server',
    installedAs: 'server',
    module: 'go.temporal.io/server/cmd/server',
    version: TEMPORAL_SERVER_VERSION,
    why: 'the production shape runs it on PostgreSQL',
    manual: 'build it from https://github.com/temporalio/temporal',
  });
  process.env.TEMPORAL_SQL_TOOL = ensureGoTool({
    what: 'the Temporal SQL schema tool',
    envVar: 'TEMPORAL_SQL_TOOL',
    binary: 'temporal-sql-tool',
    installedAs: 'sql',
    module: 'go.temporal.io/server/cmd/tools/sql',
    version: TEMPORAL_SERVER_VERSION,
    why: "it applies the Temporal server's schema to PostgreSQL",
    manual: 'build it from https://github.com/temporalio/temporal (cmd/tools/sql)',
  });
  process.env.TEMPORAL_UI_SERVER = ensureGoTool({
    what: 'the Temporal Web UI server',
    envVar: 'TEMPORAL_UI_SERVER',
    binary: 'temporal-ui-server',
    installedAs: 'server',
    module: 'github.com/temporalio/ui-server/v2/cmd/server',
    version: TEMPORAL_UI_SERVER_VERSION,
    why: 'the production shape serves the Temporal Web UI',
    manual: 'build it from https://github.com/temporalio/ui-server (cmd/server)',
  });
  ensurePostgresInstalled();
}

/** Debian's postgresql package, when no PostgreSQL server programs are found (libs/postgres/find-postgres.ts looks in the same places). */
function ensurePostgresInstalled() {
  const hasPostgres = (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
  const debianBins = () => (existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').map((major) => join('/usr/lib/postgresql', major, 'bin')) : []);
  if ((process.env.KEYSYNC_PG_BIN && hasPostgres(process.env.KEYSYNC_PG_BIN)) || onPath('initdb') || debianBins().some(hasPostgres)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    fail('PostgreSQL is needed by the production shape. Install it, then run the command again. On Debian or Ubuntu:\n  sudo apt-get install -y postgresql');
  }
  log('installing the Debian package postgresql...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-q'], { env }) !== 0 || run('apt-get', ['install', '-y', '-q', 'postgresql'], { env }) !== 0) {
    fail('apt-get could not install postgresql; see its output above.');
  }
}

// Kryoptic, the second PKCS#11 implementation of the tests (libs/hsm/implementations/kryoptic.ts
// finds the same build). Its default features need OpenSSL 3.2 and Debian 12 has 3.0: built with
// the minimal feature set linked against the system OpenSSL, as HSM-INTEROP.md measured.
const KRYOPTIC_VERSION = '1.5.4';
const KRYOPTIC_LIBRARY = 'libkryoptic_pkcs11.so';
const KRYOPTIC_BUILD_DEPS = ['libclang-dev', 'pkg-config', 'libssl-dev', 'libsqlite3-dev'];

function debianPackageInstalled(name) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

function aptInstall(packages, why) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) fail(`${why}. Install them, then run the command again. On Debian or Ubuntu:\n  sudo apt-get install -y ${packages.join(' ')}`);
  log(`installing Debian packages ${packages.join(', ')}...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-q'], { env }) !== 0 || run('apt-get', ['install', '-y', '-q', ...packages], { env }) !== 0) {
    fail(`apt-get could not install ${packages.join(', ')}; see its output above.`);
  }
}

/**
 * Finds Kryoptic's PKCS#11 library by KEYSYNC_KRYOPTIC_MODULE, then the cache
 * `${XDG_CACHE_HOME:-~/.cache}/keysync/kryoptic-<version>/`, and builds it there with cargo when
 * neither has it: the crate is fetched from crates.io by a throw-away manifest (it is a cdylib,
 * which `cargo install` refuses) and built in its unpacked folder.
 */
function ensureKryoptic() {
  const fromEnv = process.env.KEYSYNC_KRYOPTIC_MODULE;
  if (fromEnv) {
    if (!existsSync(fromEnv)) fail(`KEYSYNC_KRYOPTIC_MODULE points at ${fromEnv}, which does not exist.`);
    return fromEnv;
  }
  const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const cacheDir = join(cacheRoot, 'keysync', `kryoptic-${KRYOPTIC_VERSION}`);
  const cached = join(cacheDir, KRYOPTIC_LIBRARY);
  if (existsSync(cached)) return cached;
  if (!onPath('cargo')) {
    fail(
      `Kryoptic ${KRYOPTIC_VERSION} is needed (the tests run on three PKCS#11 implementations). Either:\n` +
        `  - build it yourself and set KEYSYNC_KRYOPTIC_MODULE to its ${KRYOPTIC_LIBRARY}, or\n` +
        `  - install Rust (https://rustup.rs), and this command builds it into ${cacheDir}.`,
    );
  }
  const missing = KRYOPTIC_BUILD_DEPS.filter((name) => !debianPackageInstalled(name));
  if (missing.length > 0) aptInstall(missing, `Building Kryoptic needs ${missing.join(', ')}`);
  const work = join(cacheDir, 'build');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'fetch', 'src'), { recursive: true });
  writeFileSync(
    join(work, 'fetch', 'Cargo.toml'),
    `[package]\nname = "keysync-fetch-kryoptic"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\nkryoptic = { version = "=${KRYOPTIC_VERSION}", default-features = false }\n`,
  );
  writeFileSync(join(work, 'fetch', 'src', 'lib.rs'), '');
  log(`building Kryoptic ${KRYOPTIC_VERSION} with cargo into ${cacheDir}; a first build takes minutes...`);
  const started = Date.now();
  if (run('cargo', ['fetch', '--manifest-path', join(work, 'fetch', 'Cargo.toml')]) !== 0) fail('cargo could not fetch the kryoptic crate from crates.io (see above).');
  const metadata = spawnSync('cargo', ['metadata', '--format-version', '1', '--manifest-path', join(work, 'fetch', 'Cargo.toml')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const crate = metadata.status === 0 ? JSON.parse(metadata.stdout).packages.find((pkg) => pkg.name === 'kryoptic' && pkg.version === KRYOPTIC_VERSION) : undefined;
  if (!crate) fail('cargo metadata does not show the fetched kryoptic crate (see above).');
  // Built in a copy: cargo's registry folder is shared and must stay as downloaded.
  const source = join(work, `kryoptic-${KRYOPTIC_VERSION}`);
  cpSync(dirname(crate.manifest_path), source, { recursive: true });
  const status = run('cargo', ['build', '--release', '--no-default-features', '--features', 'minimal,kryoptic-lib/dynamic', '--target-dir', join(work, 'target')], { cwd: source });
  const built = join(work, 'target', 'release', KRYOPTIC_LIBRARY);
  if (status !== 0 || !existsSync(built)) fail(`cargo could not build Kryoptic (see above). Build it by hand and set KEYSYNC_KRYOPTIC_MODULE to its ${KRYOPTIC_LIBRARY}.`);
  copyFileSync(built, `${cached}.partial`);
  renameSync(`${cached}.partial`, cached);
  rmSync(work, { recursive: true, force: true });
  log(`Kryoptic built in ${Math.round((Date.now() - started) / 1000)} s: ${cached}`);
  return cached;
}

/** Where the console's browser tests find Chromium (test/console/support/browser.ts reads the same default). */
const CHROMIUM_PATH = '/usr/bin/chromium';

/** Debian's chromium, which the console's browser tests drive headless through playwright-core; KEYSYNC_CHROMIUM names another build. */
function ensureChromium() {
  if (process.env.KEYSYNC_CHROMIUM) {
    if (!existsSync(process.env.KEYSYNC_CHROMIUM)) fail(`KEYSYNC_CHROMIUM points at ${process.env.KEYSYNC_CHROMIUM}, which does not exist.`);
    return;
  }
  if (existsSync(CHROMIUM_PATH)) return;
  aptInstall(['chromium'], "The console's browser tests drive Chromium (Debian's chromium package)");
  if (!existsSync(CHROMIUM_PATH)) fail(`apt-get installed chromium, yet ${CHROMIUM_PATH} does not exist; set KEYSYNC_CHROMIUM to the browser's path.`);
}

function ensureEverything() {
  ensureNpmDependencies();
  ensureSoftHsm();
  const temporal = ensureTemporalCli();
  process.env.TEMPORAL_CLI = temporal;
  const module = findSoftHsmModule();
  if (module && !process.env.KEYSYNC_SOFTHSM_MODULE) process.env.KEYSYNC_SOFTHSM_MODULE = module;
}

function bin(name) {
  return join(root, 'node_modules', '.bin', name);
}

function build() {
  log('compiling TypeScript...');
  if (run(bin('tsc'), ['-p', 'tsconfig.json']) !== 0) fail('TypeScript does not compile; the errors are above.');
  if (run(process.execPath, [join(root, 'scripts', 'bundle-workflows.mjs')]) !== 0) fail('The workflows do not bundle; the errors are above.');
  if (run(process.execPath, [join(root, 'scripts', 'build-console.mjs')]) !== 0) fail('The console does not build; the errors are above.');
}

/** Runs a compiled entry point in the foreground, forwarding Ctrl-C and SIGTERM to it. */
function runNode(entry, args) {
  const child = spawn(process.execPath, ['--enable-source-maps', join(root, 'dist', entry), ...args], { stdio: 'inherit', cwd: root });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const [command = 'start', ...args] = process.argv.slice(2);
ensureEverything();

switch (command) {
  case 'test': {
    // The tests run the production shape too (test/production): versitygw, PostgreSQL, the Temporal server, its schema tool and Web UI server.
    ensureProductionTools();
    // The libs/hsm tests run on Kryoptic and NSS softoken (Debian libnss3) beside SoftHSM.
    process.env.KEYSYNC_KRYOPTIC_MODULE = ensureKryoptic();
    // The console's tests (test/console) run in a real browser.
    ensureChromium();
    build();
    log('linting...');
    if (run(bin('eslint'), ['.']) !== 0) fail('lint failed; the findings are above.');
    process.exit(run(bin('vitest'), ['run', ...args]));
    break;
  }
  case 'tools':
    // Everything `npm test` needs built or installed, without running anything (e.g. to warm a cache).
    ensureProductionTools();
    process.env.KEYSYNC_KRYOPTIC_MODULE = ensureKryoptic();
    ensureChromium();
    break;
  case 'start':
    // The mixed demo's node3 is a Kryoptic token: built once and cached like for the tests.
    if (process.env.KEYSYNC_DEMO_HSM === 'mixed') process.env.KEYSYNC_KRYOPTIC_MODULE = ensureKryoptic();
    build();
    runNode('apps/stack/main.js', args);
    break;
  case 'start:production':
    ensureProductionTools();
    build();
    runNode('apps/stack/production/main.js', args);
    break;
  case 'temporal':
    build();
    runNode('apps/stack/temporal-main.js', args);
    break;
  case 'worker':
    build();
    runNode('apps/worker/main.js', args);
    break;
  case 'api':
    build();
    runNode('apps/api/main.js', args);
    break;
  case 'bench':
    build();
    runNode('bench/main.js', args);
    break;
  case 'cli':
    build();
    runNode('apps/cli/main.js', args);
    break;
  default:
    fail(`unknown command "${command}"; use start, start:production, test, tools, temporal, worker, api, bench or cli.`);
}
