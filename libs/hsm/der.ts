// The few DER pieces PKCS#11 objects need: an OCTET STRING around an EC point, and the issuer,
// subject and serial number of an X.509 certificate (CKA_ISSUER, CKA_SUBJECT, CKA_SERIAL_NUMBER).

export interface Tlv {
  tag: number;
  /** The whole element, header included. */
  der: Buffer;
  content: Buffer;
}

export function readTlv(buf: Buffer, offset = 0): Tlv {
  const tag = buf[offset];
  const first = buf[offset + 1];
  if (tag === undefined || first === undefined) throw new Error('DER element truncated');
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new Error('DER length not supported');
    length = 0;
    for (let i = 0; i < count; i += 1) {
      const byte = buf[offset + 2 + i];
      if (byte === undefined) throw new Error('DER length truncated');
      length = length * 256 + byte;
    }
    header += count;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new Error('DER element longer than its buffer');
  return { tag, der: buf.subarray(offset, end), content: buf.subarray(offset + header, end) };
}

export function readChildren(parent: Buffer): Tlv[] {
  const children: Tlv[] = [];
  for (let offset = 0; offset < parent.length; ) {
    const child = readTlv(parent, offset);
    children.push(child);
    offset += child.der.length;
  }
  return children;
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function encodeTlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function octetString(content: Buffer): Buffer {
  return encodeTlv(0x04, content);
}

export interface CertificateNames {
  issuer: Buffer;
  subject: Buffer;
  /** The DER INTEGER, as CKA_SERIAL_NUMBER holds it. */
  serialNumber: Buffer;
}

/** Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serial, signature, issuer, validity, subject, ... } ... } */
export function certificateNames(certificateDer: Buffer): CertificateNames {
  const certificate = readTlv(certificateDer);
  const [tbs] = readChildren(certificate.content);
  if (certificate.tag !== 0x30 || !tbs || tbs.tag !== 0x30) throw new Error('not an X.509 certificate');
  const fields = readChildren(tbs.content);
  const start = fields[0]?.tag === 0xa0 ? 1 : 0;
  const serial = fields[start];
  const issuer = fields[start + 2];
  const subject = fields[start + 4];
  if (!serial || !issuer || !subject || serial.tag !== 0x02 || issuer.tag !== 0x30 || subject.tag !== 0x30) {
    throw new Error('not an X.509 certificate');
  }
  return { issuer: issuer.der, subject: subject.der, serialNumber: serial.der };
}
