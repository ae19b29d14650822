/** The org's API versions (notes §3): read from GET /services/data/, kept per instance, asked single-flight. */
import { ApiVersionCache, listApiVersions } from '../../src/salesforce/apiVersions';
import { FakeHttp, jsonResponse, textResponse } from './helpers';
import { failureOf } from '../support/promises';

const INSTANCE = 'https://acme.my.salesforce.com';
const LIST = [
  { label: "Winter '25", url: '/services/data/v62.0', version: '62.0' },
  { label: "Winter '24", url: '/services/data/v59.0', version: '59.0' },
  { label: "Spring '100", url: '/services/data/v100.0', version: '100.0' },
  { label: 'odd', url: '/x', version: 'latest' },
  { label: 'no version' },
];

describe('listApiVersions', () => {
  it('answers vNN.N oldest first, numerically, skipping entries that are not versions', async () => {
    const http = new FakeHttp([jsonResponse(200, LIST)]);
    await expect(listApiVersions(http.asHttp(), INSTANCE)).resolves.toEqual(['v59.0', 'v62.0', 'v100.0']);
    expect(http.gets[0]?.url).toBe(`${INSTANCE}/services/data/`);
    expect(http.gets[0]?.headers.authorization).toBeUndefined();
  });

  it('fails as unavailable on an answer that is not a list', async () => {
    const error = await failureOf(listApiVersions(new FakeHttp([textResponse(200, '<html>maintenance</html>')]).asHttp(), INSTANCE));
    expect(error.kind).toBe('unavailable');
  });
});

describe('ApiVersionCache', () => {
  it('asks each instance once while the list is fresh, joining concurrent callers', async () => {
    const http = new FakeHttp([], () => jsonResponse(200, LIST));
    const cache = new ApiVersionCache({ maxInstances: 10, ttlMs: 60_000 });
    const answers = await Promise.all([cache.get(http.asHttp(), INSTANCE), cache.get(http.asHttp(), INSTANCE)]);
    await cache.get(http.asHttp(), INSTANCE);
    expect(answers[0]).toEqual(['v59.0', 'v62.0', 'v100.0']);
    expect(http.gets).toHaveLength(1);
    await cache.get(http.asHttp(), 'https://other.my.salesforce.com');
    expect(http.gets).toHaveLength(2);
  });

  it('keeps no failure: the next call asks again', async () => {
    const http = new FakeHttp([jsonResponse(503, [{ errorCode: 'SERVER_UNAVAILABLE', message: 'down' }]), jsonResponse(200, LIST)]);
    const cache = new ApiVersionCache({ maxInstances: 10, ttlMs: 60_000 });
    await expect(cache.get(http.asHttp(), INSTANCE)).rejects.toThrow();
    await expect(cache.get(http.asHttp(), INSTANCE)).resolves.toEqual(['v59.0', 'v62.0', 'v100.0']);
  });

  it('asks again once the list is older than the TTL', async () => {
    const http = new FakeHttp([], () => jsonResponse(200, LIST));
    const cache = new ApiVersionCache({ maxInstances: 10, ttlMs: 20 });
    await cache.get(http.asHttp(), INSTANCE);
    await new Promise((resolve) => setTimeout(resolve, 40));
    await cache.get(http.asHttp(), INSTANCE);
    expect(http.gets).toHaveLength(2);
  });
});
