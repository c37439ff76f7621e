// The seed's manual path over HTTP: a package file is checked before anything is stored or
// started (digest, format, cluster, expiry), then imported by a memberSync of its own.
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePackage, type PackageBody } from '../../libs/package-format';
import { type ApiHarness, startApiHarness } from './support/api-harness';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A structurally valid keysync.ksp/2 file (the MAC is made up: only an HSM could check it). */
function packageFile(clusterId: string, expiresAt = new Date(Date.now() + 3_600_000)): Buffer {
  const body: PackageBody = {
    header: {
      format: 'keysync.ksp/2',
      packageId: randomUUID(),
      clusterId,
      sourceMember: 'node1',
      createdAt: new Date(Date.now() - 1000).toISOString(),
      expiresAt: expiresAt.toISOString(),
      ktkKcv: 'a1b2c3',
      pmkKcv: 'd4e5f6',
    },
    entries: [
      {
        class: 'secret',
        keyType: 'aes',
        size: 256,
        label: 'upload-test',
        id: '0a0b',
        fingerprint: 'abcdef',
        usages: ['encrypt', 'decrypt'],
        wrappedKey: Buffer.alloc(40, 7).toString('base64'),
        wrapFormat: 'aes-kwp',
      },
    ],
  };
  return encodePackage(body, Buffer.alloc(32, 1));
}

describe('package upload and download', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api?.close();
  });

  const upload = (bytes: Buffer, digest: string | null, contentType = 'application/octet-stream') =>
    api.request('POST', `/v1/clusters/${api.cluster}/members/node2/packages${digest === null ? '' : `?digest=${digest}`}`, {
      as: 'operator',
      body: bytes,
      headers: { 'content-type': contentType },
    });
  const storedFiles = (): string[] => {
    const store = api.config.packageStore;
    if (!('dir' in store)) throw new Error('this test reads the directory package store');
    return existsSync(store.dir) ? readdirSync(store.dir) : [];
  };

  it('a file that is not a package is a 400 not-a-package, and nothing is stored', async () => {
    const bytes = Buffer.from('%PDF-1.7 definitely not a key package');
    const answer = await upload(bytes, sha256(bytes));
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('not-a-package');
    expect(String(answer.body.message)).toContain('Nothing was imported');
    expect(storedFiles()).toEqual([]);
  });

  it('a package changed after download (digest mismatch) is a 400 tampered-package, and nothing is stored', async () => {
    const original = packageFile(api.cluster);
    const tampered = Buffer.from(original.toString('utf8').replace('upload-test', 'upload-tesT'));
    const answer = await upload(tampered, sha256(original));
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('tampered-package');
    expect(storedFiles()).toEqual([]);
  });

  it('another cluster’s package is a 400 wrong-cluster; an expired one a 400 expired-package', async () => {
    const foreign = packageFile('some-other-cluster');
    expect((await upload(foreign, sha256(foreign))).body.code).toBe('wrong-cluster');
    const expired = packageFile(api.cluster, new Date(Date.now() - 1000));
    expect((await upload(expired, sha256(expired))).body.code).toBe('expired-package');
    expect(storedFiles()).toEqual([]);
  });

  it('the file alone is enough (DESIGN section 7): a good package uploaded without ?digest= starts its memberSync', async () => {
    const bytes = packageFile(api.cluster);
    const answer = await upload(bytes, null);
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ operationId: `sync:${api.cluster}:upload-${sha256(bytes).slice(0, 32)}:node2`, kind: 'sync' });
    const malformed = await upload(bytes, 'not-a-digest');
    expect(malformed.status).toBe(400);
    expect(malformed.body.details).toEqual([expect.objectContaining({ field: 'digest' })]);
  });

  it('a package sent as JSON instead of the file is a 415 that says how to send it', async () => {
    const bytes = packageFile(api.cluster);
    const answer = await upload(bytes, sha256(bytes), 'application/json');
    expect(answer.status).toBe(415);
    expect(answer.body.code).toBe('unsupported-media-type');
    expect(String(answer.body.message)).toContain('application/octet-stream');
  });

  it('a good package starts one memberSync for the member (twice the same file: the same operation), and downloads back unchanged', async () => {
    const bytes = packageFile(api.cluster);
    const digest = sha256(bytes);
    const first = await upload(bytes, digest);
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ operationId: `sync:${api.cluster}:upload-${digest.slice(0, 32)}:node2`, kind: 'sync' });
    const again = await upload(bytes, digest);
    expect(again.body.operationId).toBe(first.body.operationId);

    const read = await api.request('GET', `/v1/operations/${first.body.operationId as string}`, { as: 'operator' });
    expect(read.body).toMatchObject({ kind: 'sync', cluster: api.cluster, package: { digest, keyCount: 1 }, members: [expect.objectContaining({ member: 'node2' })] });

    const download = await fetch(`${api.baseUrl}/v1/packages/${digest}`, { headers: { authorization: `Bearer ${api.tokens.operator}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('a stored package altered on disk is never served: the download is a 409 package-altered that says to export again', async () => {
    const bytes = packageFile(api.cluster);
    const digest = sha256(bytes);
    expect((await upload(bytes, digest)).status).toBe(202);
    const store = api.config.packageStore;
    if (!('dir' in store)) throw new Error('this test reads the directory package store');
    const file = join(store.dir, digest);
    chmodSync(file, 0o600);
    writeFileSync(file, Buffer.concat([bytes, Buffer.from('appended')]));

    const download = await api.request('GET', `/v1/packages/${digest}`, { as: 'operator' });
    expect(download.status).toBe(409);
    expect(download.body).toMatchObject({ code: 'package-altered' });
    expect(String(download.body.message)).toContain('Export the package again');
  });
});
