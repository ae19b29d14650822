/** Small test helpers shared by the Salesforce unit tests: a seeded PRNG, a scripted fake HTTP layer, tokens. */
import type { HttpResponse, SalesforceHttp } from '../../src/salesforce/http';
import type { SalesforceToken } from '../../src/salesforce/oauth';

export { pick, seededRandom } from '../../demo/seededRandom';

export function randomInt(random: () => number, minInclusive: number, maxInclusive: number): number {
  return minInclusive + Math.floor(random() * (maxInclusive - minInclusive + 1));
}

export function fakeToken(accessToken: string, instanceUrl = 'https://acme.my.salesforce.com'): SalesforceToken {
  return { accessToken, instanceUrl, issuedAt: null, orgId: '00Dxx0000001gPL', userId: '005xx000001Sv6A' };
}

export function jsonResponse(status: number, body: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export function textResponse(status: number, body: string, contentType = 'text/html'): HttpResponse {
  return { status, headers: { 'content-type': contentType }, body };
}

export type GetHandler = (url: string, headers: Record<string, string>) => HttpResponse | Promise<HttpResponse>;

/**
 * A stand-in for SalesforceHttp's `get`: each call takes the next scripted handler (or the fallback once the
 * script is used up) and is recorded.
 */
export class FakeHttp {
  readonly gets: Array<{ url: string; headers: Record<string, string> }> = [];
  private readonly script: GetHandler[];

  constructor(script: Array<HttpResponse | GetHandler> = [], private readonly fallback?: GetHandler) {
    this.script = script.map((step) => (typeof step === 'function' ? step : () => step));
  }

  get = async (url: string, headers: Record<string, string> = {}): Promise<HttpResponse> => {
    this.gets.push({ url, headers });
    const handler = this.script.shift() ?? this.fallback;
    if (handler === undefined) throw new Error(`FakeHttp: unexpected GET ${url}`);
    return handler(url, headers);
  };

  asHttp(): SalesforceHttp {
    return this as unknown as SalesforceHttp;
  }
}
