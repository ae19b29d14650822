/** The admin page's files as the subgraph serves them: only with ADMIN_UI=true, under a self-only CSP. */
import { ADMIN_PAGE_CSP } from '../../src/admin/adminPage';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph';

const originOf = (subgraph: TestSubgraph): string => new URL(subgraph.url).origin;

describe('the admin page with ADMIN_UI=true', () => {
  let subgraph: TestSubgraph;

  beforeAll(async () => {
    subgraph = await startTestSubgraph({ env: { ADMIN_UI: 'true' } });
  });

  afterAll(() => subgraph.stop());

  it.each(['/admin/salesforce', '/admin/salesforce/'])('serves the page at %s with a strict Content-Security-Policy', async (path) => {
    const response = await fetch(`${originOf(subgraph)}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toBe(ADMIN_PAGE_CSP);
    expect(ADMIN_PAGE_CSP).toContain("default-src 'none'");
    expect(ADMIN_PAGE_CSP).toContain("script-src 'self'");
    expect(ADMIN_PAGE_CSP).not.toContain('unsafe');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).toContain('<label for="consumerSecret">Consumer Secret</label>');
    expect(html).toContain('src="/admin/salesforce/admin.js"');
  });

  it.each([
    ['admin.js', /javascript/],
    ['api.js', /javascript/],
    ['admin.css', /^text\/css/],
    ['favicon.svg', /^image\/svg\+xml/],
  ])('serves %s beside it', async (file, type) => {
    const response = await fetch(`${originOf(subgraph)}/admin/salesforce/${file}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(type);
    expect(response.headers.get('content-security-policy')).toBe(ADMIN_PAGE_CSP);
  });

  it('answers anything else beneath it with the JSON 404, and serves nothing outside its folder', async () => {
    for (const path of ['/admin/salesforce/nope.js', '/admin/salesforce/index.html/', '/admin/salesforce/%2e%2e/package.json', '/admin/other']) {
      const response = await fetch(`${originOf(subgraph)}${path}`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('"dependencies"');
    }
  });
});

describe('the admin page by default', () => {
  it('is not served', async () => {
    const subgraph = await startTestSubgraph();
    try {
      const response = await fetch(`${originOf(subgraph)}/admin/salesforce`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }] });
    } finally {
      await subgraph.stop();
    }
  });
});
