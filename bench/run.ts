/**
 * `npm run bench` (not part of `npm test`): the Salesforce emulator with a fixed latency, this subgraph, a people
 * subgraph and a real Apollo Gateway, measuring in one run
 *
 *   - Salesforce calls per gateway query for N = 1, 10, 100, 1000 people, against the URI-limit lower bound;
 *   - a cold gateway query for 1000 people against the warm path plus one round trip, and the most queries the
 *     emulator had in flight at once (the lookup's chunks go out together);
 *   - token requests under 500 concurrent cold queries (token cache empty after a restart);
 *   - added latency over one emulator round trip (p50/p99);
 *   - Salesforce calls for a repeated query within the cache TTL;
 *   - throughput against a bare subgraph with a constant resolver;
 *   - RSS growth of the subgraph's process after 1e5 distinct emails;
 *   - Salesforce calls for concurrent bursts (200 × the same 50 people; 200 × one different person, also cold
 *     right after a token invalidation, alone and beside two busy processes);
 *   - the shared contact tier and the answer windows, each beside the same measurement as before them
 *     (scenarios/sharedTier.ts: calls through three replicas, a page from the shared tier, a read past the TTL);
 *   - how fast a 5 MB body without credentials is refused, and /health latency under such bodies next to the
 *     same under ordinary traffic (scenarios/hostile.ts).
 *
 * Each scenario is a module of bench/scenarios/ ({ id, name, target, run(bench) }, see scenario.ts); they share the
 * stack (stack.ts) and the report (report.ts). This file lists them in the order they run.
 *
 * Prints a table and writes JSON to bench/results/. Exits 0 whether or not targets are met (it reports; CI does
 * not run it); 2 when the harness itself broke. Everything listens on 127.0.0.1 and is stopped at the end.
 */
import { URI_LIMIT_BYTES } from './fixtures';
import { errorMessage } from './harness';
import { finish, type RunSettings } from './report';
import { ONLY, runScenario, type Scenario } from './scenario';
import { addedLatencyScenario, LATENCY_SAMPLES } from './scenarios/addedLatency';
import { burstsScenario } from './scenarios/bursts';
import { callsPerQueryScenarios } from './scenarios/calls';
import { coldPathScenarios } from './scenarios/coldPath';
import { hostileScenario } from './scenarios/hostile';
import { repeatQueryScenario } from './scenarios/repeatQuery';
import { RSS_CONCURRENT_QUERIES, RSS_EMAILS, RSS_PEOPLE_PER_QUERY, rssGrowthScenario } from './scenarios/rss';
import { sharedTierScenario } from './scenarios/sharedTier';
import { THROUGHPUT_CLIENTS, THROUGHPUT_MEASURE_MS, THROUGHPUT_ROUNDS, THROUGHPUT_WARMUP_MS, throughputScenario } from './scenarios/throughput';
import { tokenRequestsScenario } from './scenarios/token';
import { tracingScenario } from './scenarios/tracing';
import { EMULATOR_LATENCY_MS, Running, startBench, SUBGRAPH_ENV } from './stack';

// ─── Settings ────────────────────────────────────────────────────────────────────────────────────────────────────

/** The whole run; past it the partial results are written and the process exits 2. */
const WATCHDOG_MS = 600_000;

// ─── Scenarios ───────────────────────────────────────────────────────────────────────────────────────────────────

/** Run in this order on the whole stack. */
const ON_THE_STACK: Scenario[] = [
  ...callsPerQueryScenarios,
  ...coldPathScenarios,
  repeatQueryScenario,
  addedLatencyScenario,
  burstsScenario,
  tokenRequestsScenario,
  throughputScenario,
  tracingScenario,
  sharedTierScenario,
];

/** Run after the gateways and both subgraphs are stopped: they need the emulator and the people subgraph at most. */
const AFTER_THE_STACK: Scenario[] = [hostileScenario, rssGrowthScenario];

// ─── Report ──────────────────────────────────────────────────────────────────────────────────────────────────────

/** The settings the JSON report shows, in the order it shows them. */
function reportSettings(): RunSettings {
  return {
    only: ONLY.length > 0 ? ONLY : null,
    emulatorLatencyMs: EMULATOR_LATENCY_MS,
    subgraphEnv: SUBGRAPH_ENV,
    uriLimitBytes: URI_LIMIT_BYTES,
    latencySamples: LATENCY_SAMPLES,
    throughput: { clients: THROUGHPUT_CLIENTS, rounds: THROUGHPUT_ROUNDS, warmupMs: THROUGHPUT_WARMUP_MS, measureMs: THROUGHPUT_MEASURE_MS },
    rss: { emails: RSS_EMAILS, peoplePerQuery: RSS_PEOPLE_PER_QUERY, concurrentQueries: RSS_CONCURRENT_QUERIES },
  };
}

// ─── Main ────────────────────────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const running = new Running();
  const watchdog = setTimeout(() => {
    finish(`watchdog: the run exceeded ${WATCHDOG_MS} ms`, reportSettings());
    process.exit(2);
  }, WATCHDOG_MS);
  watchdog.unref();

  console.log(`bench: emulator latency ${EMULATOR_LATENCY_MS} ms, subgraph env ${JSON.stringify(SUBGRAPH_ENV)}`);
  let harnessError: string | null = null;
  try {
    const bench = await startBench(running);
    console.log(
      `bench: emulator ${bench.emulator.url}, people ${bench.people.url}, subgraph ${bench.subgraph?.url ?? '?'}, ` +
        `bare ${bench.bare.url}, gateways ${bench.gateway.url} / ${bench.bareGateway.url}`,
    );
    for (const scenario of ON_THE_STACK) await runScenario(scenario, bench);
    // The RSS run needs only the emulator and the people subgraph; free the rest first.
    await running.stop('gateway', 'bareGateway', 'subgraph', 'bare');
    for (const scenario of AFTER_THE_STACK) await runScenario(scenario, bench);
  } catch (error) {
    harnessError = errorMessage(error);
    console.error('bench: the harness failed:', error);
  } finally {
    await running.stop();
    clearTimeout(watchdog);
  }
  finish(harnessError, reportSettings());
  if (harnessError) process.exitCode = 2;
}

void main();
