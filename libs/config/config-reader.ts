// A small typed reader over untrusted JSON that records a ConfigIssue instead of throwing at the
// first problem, so one start reports everything that is wrong with a file.
import type { ConfigIssue } from './config-error';

export type Json = unknown;

export class ConfigReader {
  readonly issues: ConfigIssue[] = [];

  report(field: string, problem: string): void {
    this.issues.push({ field: field || '(root)', problem });
  }

  object(value: Json, field: string, known: readonly string[]): Record<string, Json> | null {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.report(field, 'must be an object');
      return null;
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.report(join(field, key), `unknown field (known here: ${known.join(', ')})`);
    }
    return value as Record<string, Json>;
  }

  array(value: Json, field: string, { nonEmpty = false } = {}): Json[] {
    if (!Array.isArray(value)) {
      this.report(field, 'must be a list');
      return [];
    }
    if (nonEmpty && value.length === 0) this.report(field, 'must list at least one entry');
    return value;
  }

  string(value: Json, field: string, { pattern, hint }: { pattern?: RegExp; hint?: string } = {}): string {
    if (typeof value !== 'string' || value.trim() === '') {
      this.report(field, 'must be a non-empty string');
      return '';
    }
    if (pattern && !pattern.test(value)) this.report(field, hint ?? `must match ${pattern.source}`);
    return value;
  }

  integer(value: Json, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.report(field, `must be a whole number from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any' : max}`);
      return min;
    }
    return value;
  }

  oneOf<T extends string>(value: Json, field: string, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      this.report(field, `must be one of ${allowed.join(', ')}`);
      return allowed[0] as T;
    }
    return value as T;
  }

  /** Reports every value that appears more than once in a list of ids. */
  unique(ids: string[], field: string, what: string): void {
    const seen = new Set<string>();
    ids.forEach((id, index) => {
      if (id !== '' && seen.has(id)) this.report(`${field}[${index}].id`, `duplicate ${what} id`);
      seen.add(id);
    });
  }
}

export function join(field: string, key: string | number): string {
  if (typeof key === 'number') return `${field}[${key}]`;
  return field ? `${field}.${key}` : key;
}
