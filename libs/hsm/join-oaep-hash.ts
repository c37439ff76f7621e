// The join's RSA-OAEP hash (DESIGN 16): SHA-256 when the sponsor and the joining token both have
// it, else SHA-1 (SoftHSM has only SHA-1). Chosen once from both tokens' capabilities and passed
// explicitly to the wrap, so the join's record says which was used.
import { chooseOaepHash } from '../contract/hsm-capabilities';
import type { OaepHash } from '../contract/keys';
import { HsmError } from './errors';

/** chooseOaepHash, or HsmError 'unsupported' naming what each token has when they share no hash. */
export function negotiateOaepHash(sponsor: readonly OaepHash[], joining: readonly OaepHash[]): OaepHash {
  const chosen = chooseOaepHash(sponsor, joining);
  if (chosen) return chosen;
  const list = (hashes: readonly OaepHash[]) => hashes.join(', ') || 'no RSA-OAEP';
  throw new HsmError('unsupported', `The sponsor (RSA-OAEP: ${list(sponsor)}) and the joining token (${list(joining)}) share no RSA-OAEP hash: the cluster secrets cannot be transported between them.`);
}
