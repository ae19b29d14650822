/**
 * Fault injection: failure answers queued per request kind (served before any auth or validation), answers held
 * until the test releases them (holdNext), and latency added to every answer. Pending holds and delays end when
 * the emulator closes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Reply } from './http';
import type { EmulatorFault, EmulatorHold, FaultKind } from './types';

export class FaultInjector {
  private readonly faults = new Map<FaultKind, EmulatorFault[]>();
  private readonly holds = new Map<FaultKind, Array<{ arrived: () => void; released: Promise<void> }>>();
  latencyMs = 0;

  /** `closing` aborts on the emulator's close(). */
  constructor(private readonly closing: AbortSignal) {}

  queueFault(kind: FaultKind, fault: EmulatorFault): void {
    const queue = this.faults.get(kind) ?? [];
    queue.push(fault);
    this.faults.set(kind, queue);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  holdNext(kind: FaultKind): EmulatorHold {
    let arrived!: () => void;
    let release!: () => void;
    const hold: EmulatorHold = {
      arrived: new Promise<void>((resolve) => (arrived = resolve)),
      release: () => release(),
    };
    const released = new Promise<void>((resolve) => (release = resolve));
    const queue = this.holds.get(kind) ?? [];
    queue.push({ arrived, released });
    this.holds.set(kind, queue);
    return hold;
  }

  takeFault(kind: FaultKind | undefined): Reply | undefined {
    return kind ? this.faults.get(kind)?.shift() : undefined;
  }

  async waitForRelease(kind: FaultKind | undefined): Promise<void> {
    const hold = kind === undefined ? undefined : this.holds.get(kind)?.shift();
    if (hold === undefined) return;
    hold.arrived();
    const closed = new Promise<void>((resolve) => this.closing.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([hold.released, closed]);
  }

  async delay(ms: number): Promise<void> {
    if (ms <= 0) return;
    await sleep(ms, undefined, { signal: this.closing }).catch(() => undefined);
  }
}
