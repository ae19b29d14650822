/**
 * Which Salesforce instance URLs we are willing to send credentials to (notes §9), and the links we derive from
 * them (notes §8). This is the SSRF boundary: every URL an admin types, and every `instance_url` a token response
 * names, passes through `parseInstanceUrl` before anything is sent to it.
 */

export interface InstanceUrlPolicy {
  /** Also accept http(s)://127.0.0.1, [::1] or localhost with a port (an emulator in tests and demos). */
  allowLoopback: boolean;
}

export type InstanceUrlResult = { ok: true; url: string } | { ok: false; message: string };

const MY_DOMAIN_SUFFIXES = ['.my.salesforce.com', '.my.salesforce.mil', '.my.sfcrmproducts.cn'];
const EDITION_LABELS = ['develop', 'scratch', 'demo', 'patch', 'trailblaze', 'free'];
/** A My Domain label: letters and digits with single inner hyphens (`--` only separates a sandbox name). */
const NAME = '[a-z0-9]+(?:-[a-z0-9]+)*';
const MY_DOMAIN_PREFIX = new RegExp(
  `^${NAME}(?:--${NAME}\\.sandbox)?(?:\\.(?:${EDITION_LABELS.join('|')}))?$`,
);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** `scheme://host:port…` as typed, slashes as loose as the URL parser takes them (user info is refused first). */
const NAMES_A_PORT = /^[a-z][a-z0-9+.-]*:[\\/]*[^\\/?#]*:\d*(?:[\\/?#]|$)/i;
/** Lightning Experience hosts and the My Domain hosts they belong to (notes §8, reversed). */
const LIGHTNING_SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ['.lightning.force.com', '.my.salesforce.com'],
  ['.lightning.crmforce.mil', '.my.salesforce.mil'],
];

const MY_DOMAIN_HELP =
  'Use the org\'s My Domain URL, for example https://acme.my.salesforce.com (Setup → My Domain shows it).';

/**
 * Validate and normalise an instance URL: trims whitespace, drops a trailing slash, lower-cases the host.
 * Returns the canonical origin (`https://acme.my.salesforce.com`) or a message that tells the admin what to fix.
 */
export function parseInstanceUrl(input: string, policy: InstanceUrlPolicy): InstanceUrlResult {
  const trimmed = input.trim();
  if (trimmed === '') return fail(`The instance URL is empty. ${MY_DOMAIN_HELP}`);

  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return fail(`"${truncate(trimmed)}" is not a URL. ${MY_DOMAIN_HELP}`);
  }
  if (url.username !== '' || url.password !== '') {
    return fail(`The instance URL must not contain a user name or password. ${MY_DOMAIN_HELP}`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    return fail(`The instance URL must be the bare My Domain origin, without a path, query or fragment. ${MY_DOMAIN_HELP}`);
  }

  const host = url.hostname.toLowerCase();
  if (policy.allowLoopback && LOOPBACK_HOSTS.has(host) && (url.protocol === 'http:' || url.protocol === 'https:') && url.port !== '') {
    return { ok: true, url: `${url.protocol}//${host}:${url.port}` };
  }
  if (url.protocol !== 'https:') return fail(`The instance URL must use https. ${MY_DOMAIN_HELP}`);
  // The URL parser forgets a default port (`:443`), so the typed text is asked too: no port at all (notes §9).
  if (url.port !== '' || NAMES_A_PORT.test(trimmed)) return fail(`The instance URL must not name a port. ${MY_DOMAIN_HELP}`);

  const refusal = refuseKnownWrongHost(host);
  if (refusal !== null) return fail(refusal);
  if (!isMyDomainHost(host)) {
    return fail(`"${truncate(host)}" is not a Salesforce My Domain host. ${MY_DOMAIN_HELP}`);
  }
  return { ok: true, url: `https://${host}` };
}

/** True for hosts shaped like `<name>[--<sandbox>.sandbox][.<edition>].my.salesforce.com` (and .mil, .cn). */
export function isMyDomainHost(host: string): boolean {
  // Internationalised (punycode) labels are never My Domain names, and `xn--` would pass for a sandbox `--`.
  if (host.split('.').some((label) => label.startsWith('xn--'))) return false;
  const suffix = MY_DOMAIN_SUFFIXES.find((s) => host.endsWith(s));
  if (suffix === undefined) return false;
  return MY_DOMAIN_PREFIX.test(host.slice(0, -suffix.length));
}

/** Hosts admins commonly paste by mistake get a message that names the mistake. */
function refuseKnownWrongHost(host: string): string | null {
  if (host === 'login.salesforce.com' || host === 'test.salesforce.com') {
    return `${host} is Salesforce's shared login host; the Client Credentials Flow only works on the org's own domain. ${MY_DOMAIN_HELP}`;
  }
  const lightning = LIGHTNING_SUFFIXES.find(([suffix]) => host.endsWith(suffix));
  if (lightning !== undefined) {
    const [suffix, myDomainSuffix] = lightning;
    const myDomain = `${host.slice(0, -suffix.length)}${myDomainSuffix}`;
    const instead = isMyDomainHost(myDomain) ? `its My Domain URL, https://${myDomain}` : 'the My Domain URL (Setup → My Domain shows it)';
    return `${host} is the Lightning Experience address, not the API host. Use ${instead}.`;
  }
  if (host.endsWith('.my.salesforce-setup.com')) {
    return `${host} is the Setup domain, not the API host. ${MY_DOMAIN_HELP}`;
  }
  if (/^[0-9.]+$/.test(host) || host.startsWith('[')) {
    return `IP addresses are not accepted. ${MY_DOMAIN_HELP}`;
  }
  return null;
}

/**
 * The Lightning Experience record page for a record (notes §8): the My Domain host with `.my.salesforce.com`
 * swapped for `.lightning.force.com` (`.my.salesforce.mil` → `.lightning.crmforce.mil`). Elsewhere (the Alibaba
 * cloud, whose Lightning host the notes do not give, and loopback in tests) the My Domain origin itself, which
 * Salesforce redirects to the Lightning page.
 */
export function lightningRecordUrl(instanceUrl: string, sobject: string, id: string): string {
  return `${lightningOrigin(instanceUrl)}/lightning/r/${sobject}/${encodeURIComponent(id)}/view`;
}

function lightningOrigin(instanceUrl: string): string {
  const url = new URL(instanceUrl);
  const host = url.hostname;
  const mapping = LIGHTNING_SUFFIXES.find(([, myDomainSuffix]) => host.endsWith(myDomainSuffix));
  if (mapping === undefined) return url.origin;
  const [lightningSuffix, myDomainSuffix] = mapping;
  return `https://${host.slice(0, -myDomainSuffix.length)}${lightningSuffix}`;
}

function fail(message: string): InstanceUrlResult {
  return { ok: false, message };
}

function truncate(value: string): string {
  return value.length > 100 ? `${value.slice(0, 100)}…` : value;
}
