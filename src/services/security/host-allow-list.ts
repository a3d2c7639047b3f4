// The optional allow-list of hosts that `http` tasks may reach, from WEFT_HTTP_ALLOWED_HOSTS:
// comma-separated host names, `*.example.org` for any subdomain, `host:port` for one port only.
// Without it, egress-policy.ts allows public addresses only.

import { ConfigError, flowErrorType } from '../../core/errors.js';

/** The environment variable that holds the allow-list; unset or empty: public addresses only. */
export const HTTP_ALLOWED_HOSTS_VARIABLE = 'WEFT_HTTP_ALLOWED_HOSTS';
/** Task error type of a request to a host outside the list; not retryable. */
export const HTTP_HOST_NOT_ALLOWED = flowErrorType('HttpHostNotAllowed');

interface HostPattern {
  /** Normalised host name (lower case, punycode, IPv6 in brackets); for a wildcard, the suffix after `*.`. */
  host: string;
  /** `*.example.org`: any subdomain of example.org, at any depth, but not example.org itself. */
  wildcard: boolean;
  /** Only this port; absent: any port. */
  port?: number;
}

const ENTRY = /^(\*\.)?(\[[0-9a-f:.]+\]|[^:/\s[\]@*]+)(?::(\d{1,5}))?$/;

export class HostAllowList {
  private constructor(
    private readonly patterns: readonly HostPattern[],
    /** The list as configured, for messages. */
    readonly text: string,
  ) {}

  /** Parses a comma-separated list; throws ConfigError naming the first bad entry. */
  static parse(text: string, source = HTTP_ALLOWED_HOSTS_VARIABLE): HostAllowList {
    const entries = text
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    if (entries.length === 0)
      throw new ConfigError(`${source} names no hosts (got "${text}")`, `list host names, or unset ${source} to allow public addresses only`);
    return new HostAllowList(
      entries.map((entry) => parseEntry(entry, source)),
      entries.join(','),
    );
  }

  /** Whether a request to `url` may be made. A URL without an explicit port uses its scheme's. */
  allows(url: URL): boolean {
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return this.patterns.some((p) => (p.port === undefined || p.port === port) && (p.wildcard ? host.endsWith(`.${p.host}`) : host === p.host));
  }

  /** Whether an entry names exactly this URL's host and port (`host:port`, no wildcard). */
  namesExactly(url: URL): boolean {
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return this.patterns.some((p) => !p.wildcard && p.port === port && p.host === host);
  }
}

function parseEntry(entry: string, source: string): HostPattern {
  const match = ENTRY.exec(entry.toLowerCase());
  const invalid = () =>
    new ConfigError(`${source} entry "${entry}" is not a host name, *.domain or host:port`, 'e.g. api.example.org,*.example.com,localhost:8080');
  if (!match) {
    if (entry === '*')
      throw new ConfigError(`${source} entry "*" would allow every host`, `list the hosts by name, or unset ${source} to allow public addresses only`);
    throw invalid();
  }
  const [, star, rawHost = '', rawPort] = match;
  let host: string;
  try {
    // The URL parser gives the form request URLs have: lower case, punycode, normalised IPs.
    host = new URL(`http://${rawHost}`).hostname.replace(/\.$/, '');
  } catch {
    throw invalid();
  }
  const port = rawPort === undefined ? undefined : Number(rawPort);
  if (!host || (port !== undefined && (port < 1 || port > 65535))) throw invalid();
  return { host, wildcard: star !== undefined, ...(port !== undefined ? { port } : {}) };
}

let cached: { text: string; list: HostAllowList | undefined } | undefined;

/** The allow-list of WEFT_HTTP_ALLOWED_HOSTS, or undefined when it is unset or empty (the default policy). */
export function hostAllowListFromEnv(env: NodeJS.ProcessEnv = process.env): HostAllowList | undefined {
  const text = env[HTTP_ALLOWED_HOSTS_VARIABLE]?.trim() ?? '';
  if (cached?.text !== text) cached = { text, list: text ? HostAllowList.parse(text) : undefined };
  return cached.list;
}

/** The message of a request to a host off the list: names the host, the setting and how to allow it. */
export function hostNotAllowedMessage(url: URL, list: HostAllowList): string {
  return `http request to host ${url.host} is not allowed: ${HTTP_ALLOWED_HOSTS_VARIABLE} allows only ${list.text} (an operator allows it by adding ${hostAndPort(url)} to ${HTTP_ALLOWED_HOSTS_VARIABLE} for the worker)`;
}

/** `host:port` of a URL, with the scheme's port when the URL has none. */
export function hostAndPort(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
}
