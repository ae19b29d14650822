/**
 * What the demo prints once everything is up: one `Label: value` per line (a test reads them back), then two
 * curl commands ready to paste.
 */
import { CONNECTION_STATUS_QUERY, ENRICHED_PEOPLE_QUERY } from './operations';
import type { Sandbox } from './sandbox';

/** The admin page with a token handed over in the fragment (never sent to the server, removed by the page). */
export function adminPageLink(sandbox: Pick<Sandbox, 'adminPageUrl'>, token: string): string {
  return `${sandbox.adminPageUrl}#token=${token}`;
}

/** A POST of one GraphQL query, quoted for POSIX shells (the query holds no single quote). */
export function curlCommand(url: string, token: string, query: string): string {
  const body = JSON.stringify({ query });
  if (body.includes("'")) throw new Error('curlCommand: the query must not contain a single quote');
  return `curl -s ${url} -H 'content-type: application/json' -H 'authorization: Bearer ${token}' --data '${body}'`;
}

export function banner(sandbox: Sandbox): string {
  const { tokens, credentials } = sandbox;
  return [
    '',
    'Genfin Salesforce sandbox is running on this machine. Ctrl-C stops all of it.',
    '',
    `Gateway: ${sandbox.gatewayUrl}`,
    `Admin page: ${adminPageLink(sandbox, tokens.demoAdmin)}`,
    `Admin page (acme): ${adminPageLink(sandbox, tokens.acmeAdmin)}`,
    `Admin token (demo): ${tokens.demoAdmin}`,
    `Member token (demo): ${tokens.demoMember}`,
    `Admin token (acme): ${tokens.acmeAdmin}`,
    '',
    'Tenant "demo" is connected to the emulated org; "acme" is not. Connect acme on its admin page with:',
    `Consumer Key: ${credentials.consumerKey}`,
    `Consumer Secret: ${credentials.consumerSecret}`,
    `Instance URL: ${credentials.instanceUrl}`,
    `API Version: ${credentials.apiVersion}`,
    '',
    'Enriched people, as a member of demo:',
    curlCommand(sandbox.gatewayUrl, tokens.demoMember, ENRICHED_PEOPLE_QUERY),
    '',
    "Demo's connection status, as its admin:",
    curlCommand(sandbox.gatewayUrl, tokens.demoAdmin, CONNECTION_STATUS_QUERY),
    '',
  ].join('\n');
}
