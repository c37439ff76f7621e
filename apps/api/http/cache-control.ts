// A status read's Cache-Control (RFC 9111, section 5.2.1): max-age=N says a view up to N seconds
// old will do, which lets the API answer from the workflows it follows without asking Temporal
// (temporal/followed-workflows.ts). Without it, or with no-cache, a read asks Temporal, as always.
// As the RFC says of caches, a directive it cannot parse is ignored.

/** The longest age honoured: a followed view older than this is read again whatever the client accepts. */
export const longestAcceptedAgeMs = 60_000;

export const statusCacheControlHeader = {
  name: 'Cache-Control',
  required: false,
  description:
    'max-age=N: a view up to N seconds old will do (at most 60), so a poller\'s read is answered from the workflows the API follows, without a Temporal call when it has one that fresh. ' +
    'Absent, or no-cache: the view as Temporal has it now.',
  schema: { type: 'string', example: 'max-age=1' },
} as const;

/** How old a view the request accepts, in milliseconds (0: none but the current one). */
export function acceptedAgeMs(header: string | undefined): number {
  let maxAgeMs = 0;
  for (const directive of (header ?? '').split(',')) {
    const [name, value] = directive.trim().toLowerCase().split('=', 2) as [string, string | undefined];
    if (name === 'no-cache' || name === 'no-store') return 0;
    // The RFC's delta-seconds, which a sender may quote.
    const seconds = value?.replace(/^"(.*)"$/, '$1');
    if (name === 'max-age' && seconds !== undefined && /^\d{1,9}$/.test(seconds)) maxAgeMs = Math.min(longestAcceptedAgeMs, Number(seconds) * 1000);
  }
  return maxAgeMs;
}
