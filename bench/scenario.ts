/**
 * What run.ts lists: a scenario ({ id, name, target, run(bench) }), and running one: the BENCH_ONLY filter, its
 * time, and a scenario that throws recorded as a failed metric.
 */
import { round } from './harness';
import { recordBroken } from './report';
import type { Bench } from './stack';

export interface Scenario {
  /** What BENCH_ONLY matches the start of; a scenario that throws is recorded as a failed metric under it. */
  id: string;
  name: string;
  target: string;
  run(bench: Bench): Promise<void>;
}

/** BENCH_ONLY=calls,throughput runs only the scenarios whose id starts with one of these (for working on one). */
export const ONLY = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '');

/** A scenario that throws is recorded as a failed metric; the run goes on. */
export async function runScenario(scenario: Scenario, bench: Bench): Promise<void> {
  if (ONLY.length > 0 && !ONLY.some((prefix) => scenario.id.startsWith(prefix))) return;
  console.log(`\n▶ ${scenario.name}`);
  const started = performance.now();
  try {
    await scenario.run(bench);
  } catch (error) {
    recordBroken(scenario.id, scenario.name, scenario.target, error);
  }
  console.log(`  (${round((performance.now() - started) / 1000, 1)} s)`);
}
