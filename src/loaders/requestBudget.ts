/**
 * What one GraphQL request may ask of Salesforce, counted as it resolves: so many `_entities` representations and
 * so many distinct emails. Past the bound, the resolver answers those entities with an error and the rest resolve.
 */
export class RequestBudget {
  private representations = 0;
  private readonly emails = new Set<string>();

  constructor(
    private readonly maxRepresentations: number,
    private readonly maxEmails: number,
  ) {}

  /** Counts one representation; false once more than the bound have been asked for. */
  takeRepresentation(): boolean {
    this.representations += 1;
    return this.representations <= this.maxRepresentations;
  }

  /** Admits an email to be looked up: one already admitted costs nothing; a new one only while under the bound. */
  admitEmail(email: string): boolean {
    if (this.emails.has(email)) return true;
    if (this.emails.size >= this.maxEmails) return false;
    this.emails.add(email);
    return true;
  }

  get limits(): { maxRepresentations: number; maxEmails: number } {
    return { maxRepresentations: this.maxRepresentations, maxEmails: this.maxEmails };
  }
}
