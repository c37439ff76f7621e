// Strict base64 decoding that also runs in the workflow sandbox, where Node's Buffer and atob are
// not available. Accepts the standard alphabet with padding; anything else is refused (null), never guessed.

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const valueOf = new Map<string, number>([...alphabet].map((char, index) => [char, index]));

export function decodeBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const body = text.slice(0, text.length - padding);
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  let bits = 0;
  let bitCount = 0;
  let written = 0;
  for (const char of body) {
    const value = valueOf.get(char);
    if (value === undefined) return null;
    bits = (bits << 6) | value;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      bytes[written++] = (bits >> bitCount) & 0xff;
    }
  }
  // Non-zero leftover bits mean a non-canonical encoding of the same bytes: refuse it.
  if ((bits & ((1 << bitCount) - 1)) !== 0) return null;
  return written === bytes.length ? bytes : null;
}
