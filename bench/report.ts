/**
 * What a bench run found: every metric the scenarios record (each with the problems seen while measuring it),
 * printed as it comes, then as a table and a summary line, and written as JSON to bench/results/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorMessage, type MeasuredMetric, ProblemLog } from './harness';

interface Metric extends MeasuredMetric {
  problems: { count: number; samples: string[] };
}

const metrics: Metric[] = [];
const startedAt = new Date();

export function record(metric: Omit<Metric, 'problems'>, problems: ProblemLog = new ProblemLog()): void {
  metrics.push({ ...metric, problems: problems.toJSON() });
  const status = resultLabel(metric.pass);
  console.log(`  ${status}  ${metric.metric}: ${formatValue(metric.value)} ${metric.unit} (target ${metric.target})${problems.count ? ` — ${problems.count} problem(s)` : ''}`);
}

export function recordBroken(id: string, metric: string, target: string, error: unknown): void {
  const problems = new ProblemLog();
  problems.add(`scenario failed: ${errorMessage(error)}`);
  record({ id, metric, value: null, unit: '', target, pass: false, details: {} }, problems);
}

function resultLabel(pass: boolean | null): string {
  return pass === null ? 'info' : pass ? 'PASS' : 'FAIL';
}

function formatValue(value: number | null): string {
  return value === null ? 'n/a' : String(value);
}

/** The run's settings as the JSON report shows them (run.ts knows them all). */
export type RunSettings = Record<string, unknown>;

function printTable(): void {
  const rows = metrics.map((m) => [m.metric, `${formatValue(m.value)} ${m.unit}`.trim(), m.target, resultLabel(m.pass)]);
  const header = ['Metric', 'Value', 'Target', 'Result'];
  const widths = header.map((title, col) => Math.max(title.length, ...rows.map((row) => (row[col] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join(' | ')} |`;
  console.log('');
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  const withProblems = metrics.filter((m) => m.problems.count > 0);
  if (withProblems.length > 0) {
    console.log('\nProblems seen while measuring:');
    for (const m of withProblems) console.log(`  ${m.id}: ${m.problems.count} — ${m.problems.samples.join(' | ')}`);
  }
}

function writeResults(summary: string, harnessError: string | null, settings: RunSettings): string {
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const finishedAt = new Date();
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    environment: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null },
    settings,
    summary,
    harnessError,
    metrics,
  };
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

function summarise(harnessError: string | null): string {
  const targets = metrics.filter((m) => m.pass !== null);
  const failed = targets.filter((m) => m.pass === false);
  const problems = metrics.reduce((sum, m) => sum + m.problems.count, 0);
  return (
    `SUMMARY: ${targets.length - failed.length}/${targets.length} targets met` +
    (failed.length > 0 ? `; FAIL: ${failed.map((m) => m.id).join(', ')}` : '') +
    `; problems while measuring: ${problems}` +
    (harnessError ? `; HARNESS ERROR: ${harnessError}` : '')
  );
}

export function finish(harnessError: string | null, settings: RunSettings): void {
  printTable();
  const summary = summarise(harnessError);
  const file = writeResults(summary, harnessError, settings);
  console.log(`\n${summary}`);
  console.log(`Results written to ${path.relative(process.cwd(), file)}`);
}
