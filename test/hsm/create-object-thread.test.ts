// The create thread (create-object-thread.ts) on a real token of each implementation: objects it
// creates land in the caller's session with their own attributes, however many are asked at once
// from several tokens; the module's refusal comes back as its CKR code; and the event loop keeps
// turning while the creates are made, which is what the thread is for.
import { generateKeyPairSync } from 'node:crypto';
import * as pkcs11 from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObjectOffThread } from '../../libs/hsm/create-object-thread';
import { ckrCodeOf } from '../../libs/hsm/errors';
import { publicKeyFactsOf } from '../../libs/hsm/spki';
import { publicKeyObjectTemplate } from '../../libs/hsm/templates';
import { createHsmFixture, IMPLEMENTATIONS } from './support/hsm-fixture';
import type { HsmFixture, TestTokenRef } from './support/hsm-fixture';
import { inRawSession } from './support/raw-objects';

/** A public key object of a key of its own, as an import creates one per key. */
function publicKeyTemplate(label: string, idHex: string): pkcs11.Template {
  const facts = publicKeyFactsOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
  return publicKeyObjectTemplate(facts, label, Buffer.from(idHex, 'hex'), ['verify']);
}

function labelOf(lib: pkcs11.PKCS11, session: Buffer, handle: Buffer): string {
  const [label] = lib.C_GetAttributeValue(session, handle, [{ type: pkcs11.CKA_LABEL }]);
  return Buffer.from(label?.value ?? Buffer.alloc(0)).toString('utf8');
}

describe.each(IMPLEMENTATIONS)('on %s', (implementation) => {
  let fx: HsmFixture;
  let refs: TestTokenRef[];

  beforeAll(async () => {
    fx = createHsmFixture(implementation, 'create-thread');
    refs = await fx.createTokens(['create-a', 'create-b']);
    // Opening a token initializes the module in this process, as the worker's tokens do before an import.
    for (const ref of refs) await fx.open(ref);
  });

  afterAll(() => fx.dispose());

  it('creates token objects in the caller\'s session, each with its own attributes, when many are asked at once from two tokens', async () => {
    const created = await Promise.all(
      refs.map((ref, tokenIndex) =>
        inRawSession(ref, async (lib, session) => {
          const labels = Array.from({ length: 12 }, (_, index) => `thread-${tokenIndex}-${index}`);
          const handles = await Promise.all(labels.map((label, index) => createObjectOffThread(ref.pkcs11Module, session, publicKeyTemplate(label, `c${tokenIndex}${index.toString(16).padStart(2, '0')}`))));
          return { labels, read: handles.map((handle) => labelOf(lib, session, handle)) };
        }),
      ),
    );
    for (const { labels, read } of created) expect(read).toEqual(labels);
  });

  it('rejects a template the module refuses with the module\'s CKR code, and creates the next one', async () => {
    const [ref] = refs as [TestTokenRef];
    await inRawSession(ref, async (lib, session) => {
      // A public key object without its key: every implementation refuses it.
      const incomplete = publicKeyTemplate('no-key', 'd1').filter(({ type }) => type !== pkcs11.CKA_EC_POINT && type !== pkcs11.CKA_EC_PARAMS);
      const refusal = await createObjectOffThread(ref.pkcs11Module, session, incomplete).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(Error);
      expect(ckrCodeOf(refusal)).toEqual(expect.any(Number));
      const next = await createObjectOffThread(ref.pkcs11Module, session, publicKeyTemplate('after-refusal', 'd2'));
      expect(labelOf(lib, session, next)).toBe('after-refusal');
    });
  });

  it('leaves the event loop turning while the creates are made', async () => {
    const [ref] = refs as [TestTokenRef];
    await inRawSession(ref, async (_lib, session) => {
      let turns = 0;
      let counting = true;
      const count = (): void => {
        turns += 1;
        if (counting) setImmediate(count);
      };
      setImmediate(count);
      // Made on the event loop, all of these would be done before the first turn.
      await Promise.all(Array.from({ length: 30 }, (_, index) => createObjectOffThread(ref.pkcs11Module, session, publicKeyTemplate(`turn-${index}`, `e0${index.toString(16).padStart(2, '0')}`))));
      counting = false;
      expect(turns).toBeGreaterThan(0);
    });
  });
});
