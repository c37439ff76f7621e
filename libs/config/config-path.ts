// Relative paths in a configuration file are resolved against the file's folder, so a state folder
// can move as a whole. An empty value stays empty: the field's own check reports it.
import { isAbsolute, resolve } from 'node:path';

export function resolveConfigPath(value: string, baseDir: string): string {
  return value === '' || isAbsolute(value) ? value : resolve(baseDir, value);
}
