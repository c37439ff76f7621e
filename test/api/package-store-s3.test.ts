// The manual path (upload, download) over an S3 package store: the run's real versitygw, then an
// endpoint that is down, which the API answers as 503 package-store-unavailable naming what to
// check and never a credential.
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../libs/config/ports';
import { encodePackage } from '../../libs/package-format';
import { s3StoreConfig, testS3, uniquePrefix } from '../support/s3';
import { type ApiHarness, startApiHarness } from './support/api-harness';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function packageFile(clusterId: string): Buffer {
  return encodePackage(
    {
      header: {
        format: 'keysync.ksp/2',
        packageId: randomUUID(),
        clusterId,
        sourceMember: 'node1',
        createdAt: new Date(Date.now() - 1000).toISOString(),
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        ktkKcv: 'a1b2c3',
        pmkKcv: 'd4e5f6',
      },
      entries: [],
    },
    Buffer.alloc(32, 1),
  );
}

describe('package upload and download through S3', () => {
  const s3 = testS3();
  let api: ApiHarness;
  let down: ApiHarness;
  let downEndpoint: string;

  beforeAll(async () => {
    api = await startApiHarness({ configure: (config) => (config.packageStore = s3StoreConfig(s3, uniquePrefix('api'))) });
    downEndpoint = `http://127.0.0.1:${await freePort()}`;
    down = await startApiHarness({
      configure: (config) => {
        const store = s3StoreConfig(s3, uniquePrefix('api-down'));
        if ('s3' in store) store.s3.endpoint = downEndpoint;
        config.packageStore = store;
      },
    });
  });
  afterAll(async () => {
    await api?.close();
    await down?.close();
  });

  it('stores an uploaded package in the bucket and downloads the same bytes', async () => {
    const bytes = packageFile(api.cluster);
    const digest = sha256(bytes);
    const uploaded = await api.request('POST', `/v1/clusters/${api.cluster}/members/node2/packages?digest=${digest}`, {
      as: 'operator',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(uploaded.status).toBe(202);
    const downloaded = await fetch(`${api.baseUrl}/v1/packages/${digest}`, { headers: { authorization: `Bearer ${api.tokens.operator}` } });
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await downloaded.arrayBuffer())).toEqual(bytes);
  });

  it('answers 503 package-store-unavailable when the S3 endpoint is down, naming it, never a credential', async () => {
    const bytes = packageFile(down.cluster);
    const upload = await down.request('POST', `/v1/clusters/${down.cluster}/members/node2/packages?digest=${sha256(bytes)}`, {
      as: 'operator',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(upload.status).toBe(503);
    expect(upload.body).toMatchObject({ code: 'package-store-unavailable' });
    expect(upload.body.message).toContain(`S3 endpoint ${downEndpoint} cannot be reached`);
    expect(upload.body.message).toMatch(/Then send the request again\.$/);

    const download = await down.request('GET', `/v1/packages/${sha256(bytes)}`, { as: 'operator' });
    expect(download.status).toBe(503);
    expect(download.body).toMatchObject({ code: 'package-store-unavailable' });

    for (const text of [upload.text, download.text, down.logText()]) {
      expect(text).not.toContain(s3.secretAccessKey);
      expect(text).not.toContain(s3.accessKeyId);
    }
  });
});
