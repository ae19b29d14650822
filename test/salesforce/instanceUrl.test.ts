/** The SSRF allow-list of instance URLs (notes §9) and the Lightning record links derived from them (notes §8). */
import { lightningRecordUrl, parseInstanceUrl, type InstanceUrlPolicy } from '../../src/salesforce/instanceUrl';

const STRICT: InstanceUrlPolicy = { allowLoopback: false };
const LOOPBACK: InstanceUrlPolicy = { allowLoopback: true };

describe.each([
  ['allowLoopback: false', STRICT],
  ['allowLoopback: true', LOOPBACK],
])('parseInstanceUrl (%s)', (_name, policy) => {
  it.each([
    ['https://acme.my.salesforce.com', 'https://acme.my.salesforce.com'],
    ['https://acme.my.salesforce.com/', 'https://acme.my.salesforce.com'],
    ['  https://acme.my.salesforce.com/ \n', 'https://acme.my.salesforce.com'],
    ['https://ACME.My.SalesForce.COM', 'https://acme.my.salesforce.com'],
    ['https://acme-corp2.my.salesforce.com', 'https://acme-corp2.my.salesforce.com'],
    ['https://acme--uat.sandbox.my.salesforce.com', 'https://acme--uat.sandbox.my.salesforce.com'],
    ['https://acme-dev-ed.develop.my.salesforce.com', 'https://acme-dev-ed.develop.my.salesforce.com'],
    ['https://acme.develop.my.salesforce.com', 'https://acme.develop.my.salesforce.com'],
    ['https://acme.scratch.my.salesforce.com', 'https://acme.scratch.my.salesforce.com'],
    ['https://acme.demo.my.salesforce.com', 'https://acme.demo.my.salesforce.com'],
    ['https://acme.patch.my.salesforce.com', 'https://acme.patch.my.salesforce.com'],
    ['https://acme.trailblaze.my.salesforce.com', 'https://acme.trailblaze.my.salesforce.com'],
    ['https://acme.free.my.salesforce.com', 'https://acme.free.my.salesforce.com'],
    ['https://acme.my.salesforce.mil', 'https://acme.my.salesforce.mil'],
    ['https://acme--uat.sandbox.my.salesforce.mil', 'https://acme--uat.sandbox.my.salesforce.mil'],
    ['https://acme.my.sfcrmproducts.cn', 'https://acme.my.sfcrmproducts.cn'],
  ])('accepts %j as %j', (input, expected) => {
    expect(parseInstanceUrl(input, policy)).toEqual({ ok: true, url: expected });
  });

  it.each([
    ['empty', ''],
    ['white space only', '   '],
    ['not a URL', 'acme.my.salesforce.com'],
    ['http', 'http://acme.my.salesforce.com'],
    ['another scheme', 'ftp://acme.my.salesforce.com'],
    ['a port', 'https://acme.my.salesforce.com:8443'],
    ['the default port, which the URL parser would drop', 'https://acme.my.salesforce.com:443'],
    ['the default port and a slash', 'https://acme.my.salesforce.com:443/'],
    ['an empty port', 'https://acme.my.salesforce.com:'],
    ['the default port after backslashes, which the URL parser takes for slashes', 'https:\\\\acme.my.salesforce.com:443'],
    ['the default port without slashes', 'https:acme.my.salesforce.com:443'],
    ['a user name', 'https://admin@acme.my.salesforce.com'],
    ['a user name and password', 'https://admin:hunter2@acme.my.salesforce.com'],
    ['a path', 'https://acme.my.salesforce.com/services/data/'],
    ['a Lightning path', 'https://acme.my.salesforce.com/lightning/page/home'],
    ['a query', 'https://acme.my.salesforce.com/?x=1'],
    ['a fragment', 'https://acme.my.salesforce.com/#top'],
    ['login.salesforce.com', 'https://login.salesforce.com'],
    ['test.salesforce.com', 'https://test.salesforce.com'],
    ['the Setup domain', 'https://acme.my.salesforce-setup.com'],
    ['an IPv4 literal', 'https://10.1.2.3'],
    ['an IPv4 loopback literal over https', 'https://127.0.0.1'],
    ['an IPv6 literal', 'https://[2001:db8::1]'],
    ['an IPv6 loopback literal', 'https://[::1]'],
    ['an unrelated host', 'https://evil.com'],
    ['a My Domain host as a subdomain of another host', 'https://acme.my.salesforce.com.evil.com'],
    ['a host that only ends with "my.salesforce.com"', 'https://evilmy.salesforce.com'],
    ['the bare suffix', 'https://my.salesforce.com'],
    ['a non-My-Domain Salesforce host', 'https://acme.salesforce.com'],
    ['sandbox without the -- separator', 'https://acme.sandbox.my.salesforce.com'],
    ['-- without .sandbox', 'https://acme--uat.my.salesforce.com'],
    ['an unknown edition label', 'https://acme.enterprise.my.salesforce.com'],
    ['a trailing-dot host', 'https://acme.my.salesforce.com.'],
    ['a Unicode host', 'https://acmé.my.salesforce.com'],
    ['a punycode host', 'https://xn--acm-bma.my.salesforce.com'],
    ['a Cyrillic look-alike host', 'https://асме.my.salesforce.com'],
    ['a Cyrillic look-alike sandbox host', 'https://аррӏе.sandbox.my.salesforce.com'],
    ['a punycode label shaped like a sandbox', 'https://xn--80ak6aa92e.sandbox.my.salesforce.com'],
    ['a loopback host without a port', 'http://localhost'],
    ['a private IP over http with a port', 'http://10.0.0.1:1234'],
    ['a My Domain over http with a port', 'http://acme.my.salesforce.com:1234'],
  ])('refuses %s (%j)', (_what, input) => {
    const result = parseInstanceUrl(input, policy);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message.length).toBeGreaterThan(0);
  });

  it.each(['https://acme.lightning.force.com', 'https://acme--uat.sandbox.lightning.force.com', 'https://acme.lightning.force.com/lightning/page/home'])(
    'refuses the Lightning host %j and says to use the My Domain',
    (input) => {
      const result = parseInstanceUrl(input, policy);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/My Domain/);
    },
  );
});

describe('parseInstanceUrl: a Lightning host pasted by mistake names the My Domain it belongs to (notes §8, §9)', () => {
  it.each([
    ['https://acme.lightning.force.com', 'https://acme.my.salesforce.com'],
    ['https://acme--uat.sandbox.lightning.force.com', 'https://acme--uat.sandbox.my.salesforce.com'],
    ['https://acme.develop.lightning.force.com', 'https://acme.develop.my.salesforce.com'],
    ['https://acme.lightning.crmforce.mil', 'https://acme.my.salesforce.mil'],
  ])('%s → %s, which is itself accepted', (input, myDomain) => {
    const result = parseInstanceUrl(input, STRICT);
    expect(result).toEqual({ ok: false, message: expect.stringContaining(`Use its My Domain URL, ${myDomain}.`) });
    expect(parseInstanceUrl(myDomain, STRICT)).toEqual({ ok: true, url: myDomain });
  });

  it('suggests no host it would refuse itself', () => {
    const result = parseInstanceUrl('https://acme.enterprise.lightning.force.com', STRICT);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/Lightning Experience address.*Setup → My Domain/) });
  });
});

describe('parseInstanceUrl: loopback (the emulator)', () => {
  it.each([
    ['http://127.0.0.1:1234', 'http://127.0.0.1:1234'],
    ['http://127.0.0.1:1234/', 'http://127.0.0.1:1234'],
    ['http://localhost:1234', 'http://localhost:1234'],
    ['http://LOCALHOST:1234', 'http://localhost:1234'],
    ['http://[::1]:1234', 'http://[::1]:1234'],
    ['https://localhost:1234', 'https://localhost:1234'],
    ['https://127.0.0.1:8443/', 'https://127.0.0.1:8443'],
  ])('accepts %j only when allowLoopback is set', (input, expected) => {
    expect(parseInstanceUrl(input, LOOPBACK)).toEqual({ ok: true, url: expected });
    expect(parseInstanceUrl(input, STRICT).ok).toBe(false);
  });

  it.each([
    'http://127.0.0.1:1234/services/data/',
    'http://user@127.0.0.1:1234',
    'http://localhost.evil.com:1234',
    'http://127.0.0.1.nip.io:1234',
    'http://evil.com:1234',
    'http://[::2]:1234',
    'http://[::ffff:127.0.0.1]:1234',
    'ftp://127.0.0.1:1234',
  ])('still refuses %j with allowLoopback', (input) => {
    expect(parseInstanceUrl(input, LOOPBACK).ok).toBe(false);
  });
});

describe('lightningRecordUrl (notes §8)', () => {
  it.each([
    ['https://acme.my.salesforce.com', 'https://acme.lightning.force.com/lightning/r/Contact/003xx000004TmiQAAS/view'],
    ['https://acme--uat.sandbox.my.salesforce.com', 'https://acme--uat.sandbox.lightning.force.com/lightning/r/Contact/003xx000004TmiQAAS/view'],
    ['https://acme.my.salesforce.mil', 'https://acme.lightning.crmforce.mil/lightning/r/Contact/003xx000004TmiQAAS/view'],
  ])('%s → %s', (instanceUrl, expected) => {
    expect(lightningRecordUrl(instanceUrl, 'Contact', '003xx000004TmiQAAS')).toBe(expected);
  });
});
