// Finds an external program that KeySync runs (the Temporal CLI, versitygw) or loads (Kryoptic) the way
// scripts/setup.mjs does, without building anything: the variable that names it, then the PATH,
// then the cache where setup.mjs builds it with Go (`${XDG_CACHE_HOME:-~/.cache}/keysync/<name>-<version>/`).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface ToolSpec {
  /** The program's file name, on the PATH and in the cache. */
  binary: string;
  /** The variable that points at it, which wins over everything else. */
  envVar: string;
  /** The version setup.mjs builds: part of the cache folder's name. */
  version: string;
  /** Cache folder name before the version; default: the binary's name. */
  cacheName?: string;
  /** False for a shared library (a PKCS#11 module), which is never looked for on the PATH. */
  onPath?: boolean;
}

/** Where scripts/setup.mjs caches the program it builds with Go. */
export function cachedToolPath(spec: ToolSpec, env: NodeJS.ProcessEnv = process.env): string {
  const cacheRoot = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheRoot, 'keysync', `${spec.cacheName ?? spec.binary}-${spec.version}`, spec.binary);
}

function onPath(command: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = dir ? join(dir, command) : '';
    if (candidate && existsSync(candidate)) return candidate;
  }
  return null;
}

/** The variable, then the PATH, then the cached build; null when none exists (or the variable names nothing). */
export function findTool(spec: ToolSpec, env: NodeJS.ProcessEnv = process.env): string | null {
  const named = env[spec.envVar];
  if (named) return existsSync(named) ? named : null;
  const fromPath = spec.onPath === false ? null : onPath(spec.binary, env);
  if (fromPath) return fromPath;
  const cached = cachedToolPath(spec, env);
  return existsSync(cached) ? cached : null;
}
