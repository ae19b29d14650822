import { Metrics } from '../../src/observability/metrics';

const TENANT = 'tenant-secret-acme';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Metrics', () => {
  it('counts limits: truncated lookups by reason, throttled calls, too large answers, and the cache’s size', async () => {
    const metrics = new Metrics({ tenantLabels: false });
    metrics.lookupTruncated('lookup_bytes');
    metrics.lookupTruncated('contacts_per_email');
    metrics.lookupTruncated('contacts_per_email');
    metrics.tenantThrottle();
    metrics.salesforceRequest('query_more', 'too_large', 0.5);
    let cache = { entries: 3, bytes: 4_096 };
    metrics.watchContactCache(() => cache);

    let text = await metrics.render();
    expect(sample(text, 'salesforce_lookup_truncated_total{reason="lookup_bytes"}')).toBe(1);
    expect(sample(text, 'salesforce_lookup_truncated_total{reason="contacts_per_email"}')).toBe(2);
    expect(sample(text, 'salesforce_tenant_throttled_total')).toBe(1);
    expect(sample(text, 'salesforce_requests_total{kind="query_more",outcome="too_large"}')).toBe(1);
    expect(sample(text, 'contact_cache_entries')).toBe(3);
    expect(sample(text, 'contact_cache_bytes')).toBe(4_096);
    cache = { entries: 0, bytes: 0 };
    text = await metrics.render();
    expect(sample(text, 'contact_cache_bytes')).toBe(0);
  });

  it('exports every method as a series with the right labels', async () => {
    const metrics = new Metrics({ tenantLabels: false });
    metrics.salesforceRequest('query', 'success', 0.12);
    metrics.salesforceRequest('query', 'http_5xx', 1.5);
    metrics.salesforceRetry('query_more');
    metrics.tokenRequest('failure');
    metrics.contactCache('hit', 3);
    metrics.contactCache('miss');
    metrics.contactLookup('success', 0.3, 40);
    metrics.contactLookup('failure', 0.2, 2);
    metrics.circuitState(TENANT, 'open');
    metrics.apiUsage(TENANT, 50, 100);
    metrics.budgetRefusal();
    metrics.circuitRefusal();
    metrics.circuitRefusal();

    const text = await metrics.render();
    expect(sample(text, 'salesforce_requests_total{kind="query",outcome="success"}')).toBe(1);
    expect(sample(text, 'salesforce_requests_total{kind="query",outcome="http_5xx"}')).toBe(1);
    expect(sample(text, 'salesforce_request_duration_seconds_count{kind="query"}')).toBe(2);
    expect(sample(text, 'salesforce_request_duration_seconds_bucket{le="0.005",kind="query"}')).toBe(0);
    expect(sample(text, 'salesforce_request_duration_seconds_bucket{le="30",kind="query"}')).toBe(2);
    expect(sample(text, 'salesforce_retries_total{kind="query_more"}')).toBe(1);
    expect(sample(text, 'salesforce_token_requests_total{outcome="failure"}')).toBe(1);
    expect(sample(text, 'contact_cache_lookups_total{result="hit"}')).toBe(3);
    expect(sample(text, 'contact_cache_lookups_total{result="miss"}')).toBe(1);
    expect(sample(text, 'contact_lookup_duration_seconds_count{outcome="success"}')).toBe(1);
    expect(sample(text, 'contact_lookup_duration_seconds_count{outcome="failure"}')).toBe(1);
    expect(sample(text, 'contact_lookup_emails_total')).toBe(42);
    expect(sample(text, 'salesforce_circuits_open')).toBe(1);
    expect(sample(text, 'salesforce_api_usage_ratio_max')).toBe(0.5);
    expect(sample(text, 'salesforce_budget_refusals_total')).toBe(1);
    expect(sample(text, 'salesforce_circuit_refusals_total')).toBe(2);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(metrics.contentType).toMatch(/^text\/plain/);
  });

  it('keeps tenant ids out of the output without tenantLabels', async () => {
    const metrics = new Metrics({ tenantLabels: false });
    metrics.circuitState(TENANT, 'half_open');
    metrics.apiUsage(TENANT, 10, 100);

    const text = await metrics.render();
    expect(text).not.toContain(TENANT);
    expect(text).not.toContain('salesforce_circuit_state');
    expect(text).not.toMatch(/^salesforce_api_usage_ratio\{/m);
  });

  it('labels circuit state and usage by tenant with tenantLabels', async () => {
    const metrics = new Metrics({ tenantLabels: true });
    metrics.circuitState('a', 'open');
    metrics.circuitState('b', 'half_open');
    metrics.circuitState('c', 'open');
    metrics.circuitState('c', 'closed');
    metrics.apiUsage(TENANT, 25, 100);

    const text = await metrics.render();
    expect(sample(text, 'salesforce_circuit_state{tenant="a"}')).toBe(2);
    expect(sample(text, 'salesforce_circuit_state{tenant="b"}')).toBe(1);
    expect(sample(text, 'salesforce_circuit_state{tenant="c"}')).toBe(0);
    expect(sample(text, 'salesforce_circuits_open')).toBe(1);
    expect(sample(text, `salesforce_api_usage_ratio{tenant="${TENANT}"}`)).toBe(0.25);
  });

  it('reports the highest latest usage ratio across tenants', async () => {
    const metrics = new Metrics({ tenantLabels: false });
    expect(sample(await metrics.render(), 'salesforce_api_usage_ratio_max')).toBe(0);
    metrics.apiUsage('a', 90, 100);
    metrics.apiUsage('b', 300, 1000);
    expect(sample(await metrics.render(), 'salesforce_api_usage_ratio_max')).toBe(0.9);
    // A tenant's newer reading replaces its older one.
    metrics.apiUsage('a', 10, 100);
    expect(sample(await metrics.render(), 'salesforce_api_usage_ratio_max')).toBe(0.3);
    // Unusable limits are ignored.
    metrics.apiUsage('c', 5, 0);
    expect(sample(await metrics.render(), 'salesforce_api_usage_ratio_max')).toBe(0.3);
  });

  it('forgets the least recently updated tenant past 10,000', async () => {
    const metrics = new Metrics({ tenantLabels: true });
    metrics.apiUsage('first', 99, 100);
    for (let i = 0; i < 10_000; i++) metrics.apiUsage(`t${i}`, 1, 100);

    const text = await metrics.render();
    expect(sample(text, 'salesforce_api_usage_ratio_max')).toBe(0.01);
    expect(text).not.toContain('tenant="first"');
    expect(text).toContain('tenant="t9999"');
  });

  it('does not share series between instances', async () => {
    const one = new Metrics({ tenantLabels: false });
    const two = new Metrics({ tenantLabels: false });
    one.budgetRefusal();
    one.salesforceRequest('token', 'timeout', 30);
    one.apiUsage('a', 1, 2);

    const text = await two.render();
    expect(sample(text, 'salesforce_budget_refusals_total')).toBe(0);
    expect(text).not.toContain('outcome="timeout"');
    expect(sample(text, 'salesforce_api_usage_ratio_max')).toBe(0);
    expect(sample(await one.render(), 'salesforce_budget_refusals_total')).toBe(1);
  });
});
