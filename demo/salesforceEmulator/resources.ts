/**
 * The REST resources under /services/data/vNN.N/ (answered once the version, session and API usage are checked):
 * the resource directory, limits, Contact describe, and query / queryMore over the stored contacts with their
 * cursors; and the API version list at /services/data/.
 */
import { describeField } from './contactSchema';
import type { QueryFlooder } from './flood';
import { notFound, type Reply, restError } from './http';
import { newQueryLocator, releaseLabel } from './ids';
import type { OrgState } from './orgState';
import { compileQuery, type CompiledQuery, executeQuery, type QueryCursor, queryPage, renderRecord } from './query';
import { formatSoqlError, SoqlError, SoqlParser, tokenize } from './soql';

const MAX_SOQL_CHARS = 100_000;
const QUERY_MORE_RESOURCE = /^query\/(01g[A-Za-z0-9]{15})-(\d+)$/;

export class RestResources {
  private readonly cursors = new Map<string, QueryCursor>();

  constructor(
    private readonly org: OrgState,
    private readonly flood: QueryFlooder,
  ) {}

  listVersions(): Reply {
    return {
      status: 200,
      body: this.org.versions.map((version) => ({ label: releaseLabel(version), url: `/services/data/v${version}`, version })),
    };
  }

  resourceDirectory(version: string): Reply {
    const base = `/services/data/v${version}`;
    return { status: 200, body: { limits: `${base}/limits`, query: `${base}/query`, sobjects: `${base}/sobjects` } };
  }

  limits(): Reply {
    return { status: 200, body: { DailyApiRequests: { Max: this.org.apiUsageMax, Remaining: Math.max(0, this.org.apiUsageMax - this.org.apiUsage) } } };
  }

  /** Fields hidden by field-level security are left out; an object the run-as user cannot see is NOT_FOUND. */
  describe(objectName: string): Reply {
    if (objectName.toLowerCase() !== 'contact' || !this.org.contactReadable) return notFound();
    const fields = this.org.schema().list().map(describeField);
    return {
      status: 200,
      body: { name: 'Contact', label: 'Contact', labelPlural: 'Contacts', custom: false, queryable: true, keyPrefix: '003', fields },
    };
  }

  query(url: URL, version: string): Reply {
    const soql = url.searchParams.get('q') ?? '';
    try {
      const compiled = this.compile(soql);
      if (this.flood.active) return this.flood.floodAnswer(compiled, version);
      const records = executeQuery(compiled, this.org.contacts).map((contact) => renderRecord(contact, compiled.fields, version));
      return { status: 200, body: this.openCursor(records, version) };
    } catch (error) {
      if (!(error instanceof SoqlError)) throw error;
      return restError(400, error.errorCode, formatSoqlError(soql, error));
    }
  }

  private compile(soql: string): CompiledQuery {
    if (soql.trim() === '') throw new SoqlError('MALFORMED_QUERY', 'A query string has to be specified');
    if (soql.length > MAX_SOQL_CHARS) {
      throw new SoqlError('MALFORMED_QUERY', `SOQL statements cannot be longer than ${MAX_SOQL_CHARS.toLocaleString('en-US')} characters`);
    }
    return compileQuery(new SoqlParser(tokenize(soql)).parseQuery(), this.org.schema(), this.org.contactReadable);
  }

  /** The first page; a cursor is kept only when more pages follow. */
  private openCursor(records: Record<string, unknown>[], version: string): Record<string, unknown> {
    const cursorId = newQueryLocator();
    const cursor: QueryCursor = { records, pageSize: this.org.pageSize };
    const page = queryPage(cursorId, cursor, 0, version);
    if (!page.done) this.cursors.set(cursorId, cursor);
    return page;
  }

  queryMore(resource: string, version: string): Reply {
    if (this.flood.active) return this.flood.floodAnswer(null, version);
    const match = QUERY_MORE_RESOURCE.exec(resource);
    const cursor = match ? this.cursors.get(match[1] ?? '') : undefined;
    const offset = Number(match?.[2]);
    if (!match || !cursor || offset <= 0 || offset >= cursor.records.length) {
      return restError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    return { status: 200, body: queryPage(match[1] ?? '', cursor, offset, version) };
  }
}
