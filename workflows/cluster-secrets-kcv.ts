// Whether two members hold the same cluster transfer secrets, told by their check values (which
// identify the cluster without revealing it). Pure, so every workflow compares them one way.
import type { ClusterSecretsKcv } from '../libs/contract/keys';

/** Same KTK and PMK; check values compare case-insensitively, as modules differ in hex case. */
export function sameKcv(a: ClusterSecretsKcv, b: ClusterSecretsKcv): boolean {
  return a.ktkKcv.toLowerCase() === b.ktkKcv.toLowerCase() && a.pmkKcv.toLowerCase() === b.pmkKcv.toLowerCase();
}
