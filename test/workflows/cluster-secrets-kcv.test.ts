// sameKcv: the one comparison of cluster transfer secrets that keySync's pre-flight and join use.
import { describe, expect, it } from 'vitest';
import { sameKcv } from '../../workflows/cluster-secrets-kcv';

describe('sameKcv', () => {
  const kcv = { ktkKcv: 'a1b2c3', pmkKcv: '0d0e0f' };

  it('matches the same check values whatever their hex case', () => {
    expect(sameKcv(kcv, { ktkKcv: 'A1B2C3', pmkKcv: '0D0E0F' })).toBe(true);
  });

  it('tells another KTK or another PMK apart', () => {
    expect(sameKcv(kcv, { ...kcv, ktkKcv: 'a1b2c4' })).toBe(false);
    expect(sameKcv(kcv, { ...kcv, pmkKcv: '0d0e10' })).toBe(false);
  });
});
