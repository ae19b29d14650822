/** API versions as admins type them: well-formed ones normalised to vNN.N, anything else refused. */
import { normaliseApiVersion, validateConnectInput } from '../../src/connections/connectInput';

describe('normaliseApiVersion', () => {
  it.each([
    ['v60.0', 'v60.0'],
    ['60', 'v60.0'],
    ['60.0', 'v60.0'],
    ['V60.0', 'v60.0'],
    [' v60.0 ', 'v60.0'],
    ['v60', 'v60.0'],
    ['v100.0', 'v100.0'],
    ['100', 'v100.0'],
    ['v999.0', 'v999.0'],
    ['v61.5', 'v61.5'],
  ])('%j → %s', (typed, expected) => {
    expect(normaliseApiVersion(typed)).toBe(expected);
  });

  it.each(['', 'v', 'latest', 'v6.0', '6', 'v060.0', 'v1000.0', 'v60.00', 'v60.0.1', 'v60,0', 'vv60.0', '60.0v', 'v 60.0', '٦٠.٠', 'v60.0\n1'])(
    '%j is not a version',
    (typed) => {
      expect(normaliseApiVersion(typed)).toBeNull();
    },
  );
});

describe('validateConnectInput apiVersion', () => {
  const base = { consumerKey: '3MVG9key', consumerSecret: 'secret', instanceUrl: 'https://acme.my.salesforce.com' };

  it.each([[undefined], [null], [''], ['   ']])('defaults %j to v60.0', (apiVersion) => {
    const result = validateConnectInput({ ...base, apiVersion }, { allowLoopback: false });
    expect(result).toEqual({ ok: true, input: expect.objectContaining({ apiVersion: 'v60.0' }) });
  });

  it('stores the normalised form', () => {
    const result = validateConnectInput({ ...base, apiVersion: ' V61 ' }, { allowLoopback: false });
    expect(result).toEqual({ ok: true, input: expect.objectContaining({ apiVersion: 'v61.0' }) });
  });

  it('refuses what is not a version with INVALID_API_VERSION on the field, quoting at most 20 characters', () => {
    const result = validateConnectInput({ ...base, apiVersion: `latest${'x'.repeat(100)}` }, { allowLoopback: false });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([expect.objectContaining({ code: 'INVALID_API_VERSION', target: { kind: 'connectInput', name: 'apiVersion' } })]);
    expect(result.problems[0]?.message).not.toContain('x'.repeat(20));
  });
});
