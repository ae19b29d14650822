/**
 * The query flood (setQueryFlood): a hostile or broken org answering every query and queryMore with endless pages
 * or a body that never ends, and the counters of what it served.
 */
import type { ServerResponse } from 'node:http';
import { JSON_CONTENT_TYPE, type Reply, restError } from './http';
import type { OrgState } from './orgState';
import { type CompiledQuery, executeQuery, renderRecord } from './query';
import type { QueryFlood, QueryFloodCounters } from './types';

export class QueryFlooder {
  private flood: QueryFlood | null = null;
  /** The flood page's records, serialised once per flood (the same for every page). */
  private floodRecords: string | null = null;
  readonly floodCounters: QueryFloodCounters = { pages: 0, bytesWritten: 0 };

  constructor(private readonly org: OrgState) {}

  get active(): boolean {
    return this.flood !== null;
  }

  setQueryFlood(flood: QueryFlood | null): void {
    this.flood = flood;
    this.floodRecords = null;
    Object.assign(this.floodCounters, { pages: 0, bytesWritten: 0 });
  }

  /** The flood's answer to a query (compiled: the records it renders) or to a queryMore (null). */
  floodAnswer(compiled: CompiledQuery | null, version: string): Reply {
    const flood = this.flood as QueryFlood;
    if (flood.kind === 'endless_body') return { status: 200, stream: (res) => this.streamEndlessBody(res, flood.maxBytes) };
    if (this.floodRecords === null) {
      if (compiled === null) return restError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      const template = executeQuery(compiled, this.org.contacts)[0] ?? this.org.contacts[0];
      if (!template) throw new Error('salesforceEmulator: a flood needs at least one stored contact');
      const padded = { ...template, Title: 'x'.repeat(flood.recordBytes) };
      const records = Array.from({ length: flood.recordsPerPage }, (_, i) =>
        renderRecord({ ...padded, Id: `003FL${String(i).padStart(10, '0')}AAA` }, compiled.fields, version),
      );
      this.floodRecords = JSON.stringify(records);
    }
    this.floodCounters.pages += 1;
    const done = this.floodCounters.pages >= flood.maxPages;
    const next = `/services/data/v${version}/query/01gFLOOD0000000000-${this.floodCounters.pages * flood.recordsPerPage}`;
    const body = `{"totalSize":1000000000,"done":${done},${done ? '' : `"nextRecordsUrl":"${next}",`}"records":${this.floodRecords}}`;
    this.floodCounters.bytesWritten += body.length;
    return { status: 200, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body };
  }

  /** `{"totalSize":1,"done":true,"records":[` then records for as long as the client reads, up to `maxBytes`. */
  private streamEndlessBody(res: ServerResponse, maxBytes: number): void {
    const record = Buffer.from(`${JSON.stringify({ attributes: { type: 'Contact' }, Id: '003FLOOD00000000AAA', Title: 'x'.repeat(16 * 1024) })},`);
    let gone = false;
    res.on('close', () => (gone = true));
    const pump = (): void => {
      while (!gone && this.floodCounters.bytesWritten < maxBytes) {
        this.floodCounters.bytesWritten += record.length;
        if (!res.write(record)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!gone) res.end('{"Id":"003FLOOD00000001AAA"}]}');
    };
    res.write('{"totalSize":1,"done":true,"records":[');
    pump();
  }
}
