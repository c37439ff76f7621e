// A minimal X.509 v3 certificate for a given public key, signed by a throw-away issuer: enough
// for a certificate object beside a key, as a CA would store after issuance.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { encodeTlv } from '../../../libs/hsm/der';

const seq = (...parts: Buffer[]) => encodeTlv(0x30, Buffer.concat(parts));
const ECDSA_SHA256 = seq(Buffer.from('06082a8648ce3d040302', 'hex'));

function name(commonName: string): Buffer {
  const cn = seq(Buffer.from('0603550403', 'hex'), encodeTlv(0x0c, Buffer.from(commonName, 'utf8')));
  return seq(encodeTlv(0x31, cn));
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return encodeTlv(0x17, Buffer.from(text, 'ascii'));
}

/** `notBefore`: a renewal's start (default a minute ago); it stays valid a day from then. */
export function makeCertificate(subjectPublicKeyDer: Buffer, commonName: string, options: { notBefore?: Date } = {}): Buffer {
  const issuer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serial = Buffer.concat([Buffer.from([0x01]), randomBytes(8)]);
  const now = (options.notBefore?.getTime() ?? Date.now() - 60_000) + 60_000;
  const tbs = seq(
    encodeTlv(0xa0, encodeTlv(0x02, Buffer.from([2]))),
    encodeTlv(0x02, serial),
    ECDSA_SHA256,
    name('keysync test issuer'),
    seq(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 86_400_000))),
    name(commonName),
    subjectPublicKeyDer,
  );
  const signature = sign('sha256', tbs, issuer.privateKey);
  return seq(tbs, ECDSA_SHA256, encodeTlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
}
