/** The Client Credentials token request (notes §1) and the checks on Salesforce's answer (notes §9). */
import type { HttpResponse, SalesforceHttp } from '../../src/salesforce/http';
import { requestToken, TokenRequestError, type ClientCredentials } from '../../src/salesforce/oauth';
import { jsonResponse, textResponse } from './helpers';
import { failureOf } from '../support/promises';

const INSTANCE_URL = 'https://acme.my.salesforce.com';
const SECRET = 'S3CR3T-consumer-secret-9F8E7D6C5B4A';
const CREDENTIALS: ClientCredentials = { consumerKey: '3MVG9consumer.key', consumerSecret: SECRET };
const STRICT = { allowLoopback: false };

const SUCCESS = {
  access_token: '00Dxx0000001gPL!AQ4AQLbZ.token',
  signature: 'c2lnbmF0dXJl',
  token_format: 'opaque',
  instance_url: INSTANCE_URL,
  id: 'https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001Sv6AAAS',
  token_type: 'Bearer',
  issued_at: '1678833535086',
  scope: 'api',
};

/** A fake SalesforceHttp whose postForm records each call and answers `response`. */
function fakeHttp(response: HttpResponse) {
  const postForm = jest.fn(async (_url: string, _form: Record<string, string>) => response);
  return { postForm, http: { postForm } as unknown as SalesforceHttp };
}

describe('requestToken', () => {
  it('POSTs grant_type=client_credentials, client_id and client_secret as a form to {instanceUrl}/services/oauth2/token', async () => {
    const { http, postForm } = fakeHttp(jsonResponse(200, SUCCESS));
    await requestToken(http, INSTANCE_URL, CREDENTIALS, STRICT);

    expect(postForm).toHaveBeenCalledTimes(1);
    expect(postForm).toHaveBeenCalledWith(
      `${INSTANCE_URL}/services/oauth2/token`,
      { grant_type: 'client_credentials', client_id: CREDENTIALS.consumerKey, client_secret: SECRET },
      {},
    );
  });

  it('reads the success answer: token, org and user ids from the id URL, issued_at in ms, no expires_in needed', async () => {
    const { http } = fakeHttp(jsonResponse(200, SUCCESS));
    await expect(requestToken(http, INSTANCE_URL, CREDENTIALS, STRICT)).resolves.toEqual({
      accessToken: SUCCESS.access_token,
      instanceUrl: INSTANCE_URL,
      issuedAt: new Date(1678833535086),
      orgId: '00Dxx0000001gPLEAY',
      userId: '005xx000001Sv6AAAS',
    });
  });

  it('accepts an answer that also carries api_instance_url', async () => {
    const { http } = fakeHttp(jsonResponse(200, { ...SUCCESS, api_instance_url: 'https://api.salesforce.com' }));
    await expect(requestToken(http, INSTANCE_URL, CREDENTIALS, STRICT)).resolves.toMatchObject({ accessToken: SUCCESS.access_token });
  });

  it.each([
    [400, 'invalid_client_id', 'client identifier invalid'],
    [400, 'invalid_client', 'invalid client credentials'],
    [400, 'invalid_grant', 'no client credentials user enabled'],
    [400, 'invalid_grant', 'request not supported on this domain'],
    [400, 'unsupported_grant_type', 'grant type not supported'],
    [400, 'unauthorized_client', 'client credentials flow not enabled'],
    [400, 'inactive_user', 'user is inactive'],
    [400, 'inactive_org', 'organization is inactive'],
    [401, 'invalid_client', 'invalid client credentials'],
    [401, 'invalid_client_id', 'client identifier invalid'],
  ])('%i %s (%s) → TokenRequestError with that oauthError', async (status, oauthError, description) => {
    const { http } = fakeHttp(jsonResponse(status, { error: oauthError, error_description: description }));
    const error = await failureOf(requestToken(http, INSTANCE_URL, CREDENTIALS, STRICT));

    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).oauthError).toBe(oauthError);
    expect(error.kind).toBe('auth');
    expect(error.status).toBe(status);
    expect(error.salesforceMessage).toBe(description);
  });

  it.each([
    ['400 rate_limit_exceeded', jsonResponse(400, { error: 'rate_limit_exceeded', error_description: 'rate limit exceeded' })],
    ['429 with a JSON error', jsonResponse(429, { error: 'too_many_requests', error_description: 'slow down' })],
    ['429 without a body', textResponse(429, '')],
  ])('%s → kind rate_limited, not a credentials problem', async (_what, response) => {
    const error = await failureOf(requestToken(fakeHttp(response).http, INSTANCE_URL, CREDENTIALS, STRICT));
    expect(error.kind).toBe('rate_limited');
    expect(error).not.toBeInstanceOf(TokenRequestError);
  });

  it.each([
    ['500 HTML', textResponse(500, '<html>Internal Server Error</html>')],
    ['502 empty', textResponse(502, '')],
    ['503 maintenance', textResponse(503, '<html>Down for maintenance</html>')],
    ['503 with a JSON error', jsonResponse(503, { error: 'server_error', error_description: 'try later' })],
  ])('%s → kind unavailable (not an OAuth refusal)', async (_what, response) => {
    const error = await failureOf(requestToken(fakeHttp(response).http, INSTANCE_URL, CREDENTIALS, STRICT));
    expect(error.kind).toBe('unavailable');
    expect(error).not.toBeInstanceOf(TokenRequestError);
  });

  it.each([
    ['an unrelated host', 'https://evil.example.com'],
    ['plain http', 'http://acme.my.salesforce.com'],
    ['the shared login host', 'https://login.salesforce.com'],
    ['an IP address', 'https://169.254.169.254'],
    ['a look-alike host', 'https://acme.my.salesforce.com.evil.example.com'],
  ])('refuses a 200 whose instance_url is %s (%s)', async (_what, instanceUrl) => {
    const { http } = fakeHttp(jsonResponse(200, { ...SUCCESS, instance_url: instanceUrl }));
    await failureOf(requestToken(http, INSTANCE_URL, CREDENTIALS, STRICT));
  });

  it.each([
    ['no access_token', jsonResponse(200, { ...SUCCESS, access_token: undefined })],
    ['an empty access_token', jsonResponse(200, { ...SUCCESS, access_token: '' })],
    ['a non-string access_token', jsonResponse(200, { ...SUCCESS, access_token: 42 })],
    ['a body that is not JSON', textResponse(200, '<html>Login</html>')],
    ['a JSON array', jsonResponse(200, [SUCCESS])],
  ])('refuses a 200 with %s', async (_what, response) => {
    await failureOf(requestToken(fakeHttp(response).http, INSTANCE_URL, CREDENTIALS, STRICT));
  });

  it('never puts the client secret in an error', async () => {
    const answers: HttpResponse[] = [
      jsonResponse(400, { error: 'invalid_client', error_description: 'invalid client credentials' }),
      jsonResponse(401, { error: 'invalid_client_id', error_description: 'client identifier invalid' }),
      jsonResponse(400, { error: 'invalid_grant', error_description: 'no client credentials user enabled' }),
      jsonResponse(400, { unexpected: true }),
      textResponse(500, 'oops'),
      textResponse(418, 'teapot'),
      jsonResponse(200, { ...SUCCESS, instance_url: 'https://evil.example.com' }),
      jsonResponse(200, { ...SUCCESS, access_token: undefined }),
      textResponse(200, 'not json'),
    ];
    for (const answer of answers) {
      const error = await failureOf(requestToken(fakeHttp(answer).http, INSTANCE_URL, CREDENTIALS, STRICT));
      const everything = [error.message, error.stack ?? '', error.salesforceMessage ?? '', error.errorCode ?? '', JSON.stringify(error)];
      expect(everything.filter((text) => text.includes(SECRET))).toEqual([]);
    }
  });
});
