// How old a view a status read accepts, from its Cache-Control header (pure parsing).
import { describe, expect, it } from 'vitest';
import { acceptedAgeMs, longestAcceptedAgeMs } from '../../apps/api/http/cache-control';

describe('acceptedAgeMs', () => {
  it('max-age=N accepts N seconds, quoted or not, among other directives', () => {
    expect(acceptedAgeMs('max-age=1')).toBe(1_000);
    expect(acceptedAgeMs('Max-Age="3"')).toBe(3_000);
    expect(acceptedAgeMs('no-transform, max-age=2')).toBe(2_000);
  });

  it('no header, no-cache or no-store accepts only the current view, whatever else the header says', () => {
    expect(acceptedAgeMs(undefined)).toBe(0);
    expect(acceptedAgeMs('')).toBe(0);
    expect(acceptedAgeMs('max-age=5, no-cache')).toBe(0);
    expect(acceptedAgeMs('no-store, max-age=5')).toBe(0);
  });

  it('a max-age it cannot parse is ignored, and a long one is cut to the longest honoured', () => {
    expect(acceptedAgeMs('max-age=-1')).toBe(0);
    expect(acceptedAgeMs('max-age=1.5')).toBe(0);
    expect(acceptedAgeMs('max-age')).toBe(0);
    expect(acceptedAgeMs('max-age=86400')).toBe(longestAcceptedAgeMs);
  });
});
