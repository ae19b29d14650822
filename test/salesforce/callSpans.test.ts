/** What a Salesforce call's span may say of its URL: the path, and never a query value. */
import { REDACTED, redactedUrl } from '../../src/salesforce/callSpans';

describe('redactedUrl', () => {
  it('replaces every query value, keeping keys and the path', () => {
    const soql = "SELECT Id FROM Contact WHERE Email IN ('a@x.io','b@x.io')";
    const url = new URL(`https://acme.my.salesforce.com/services/data/v60.0/query?q=${encodeURIComponent(soql)}`);
    expect(redactedUrl(url)).toBe(`https://acme.my.salesforce.com/services/data/v60.0/query?q=${REDACTED}`);
  });

  it('keeps a URL without a query as it is, and lists a repeated key once', () => {
    expect(redactedUrl(new URL('https://acme.my.salesforce.com/services/data/v60.0/query/01gxx-2000'))).toBe(
      'https://acme.my.salesforce.com/services/data/v60.0/query/01gxx-2000',
    );
    expect(redactedUrl(new URL('https://h.example/p?a=1&a=2&b=x%40y'))).toBe('https://h.example/p?a=REDACTED&b=REDACTED');
  });
});
