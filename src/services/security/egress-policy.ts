// Where `http` tasks may connect. Decides on the resolved address, never the host text, and
// hands back the address it checked so the request connects to exactly that one (no second DNS
// answer can slip in between). Weft's own ports and its Temporal server's are never reachable
// unless the operator names that exact host:port.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { addressRefusal, sameAddress } from './egress-address.js';
import { type HostAllowList, HTTP_ALLOWED_HOSTS_VARIABLE, hostAllowListFromEnv, hostAndPort, hostNotAllowedMessage } from './host-allow-list.js';

/** A port of Weft or of its Temporal server that flows must not call. */
export interface ProtectedEndpoint {
  /** Host or IP literal the service listens on (a loopback or unspecified one: every address of this machine). */
  host: string;
  port: number;
  /** What it is, to follow "<host:port> is": "Weft's own MCP endpoint". */
  what: string;
}

/** Resolves a host name to its addresses, in the order to try them. */
export type ResolveHost = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export type EgressDecision = { allowed: true; address: string; family: 4 | 6 } | { allowed: false; message: string };

export interface EgressPolicyOptions {
  /** WEFT_HTTP_ALLOWED_HOSTS; absent: public addresses only. */
  allowList?: HostAllowList | undefined;
  protectedEndpoints?: readonly ProtectedEndpoint[];
  /** Default: the system resolver (every address, in its order). */
  resolve?: ResolveHost;
}

const systemResolve: ResolveHost = (hostname) => lookup(hostname, { all: true, verbatim: true });

export class EgressPolicy {
  private readonly allowList: HostAllowList | undefined;
  private readonly endpoints: ProtectedEndpoint[];
  private readonly resolve: ResolveHost;
  private readonly resolved = new Map<string, Promise<string[]>>();

  constructor(options: EgressPolicyOptions = {}) {
    this.allowList = options.allowList;
    this.endpoints = [...(options.protectedEndpoints ?? [])];
    this.resolve = options.resolve ?? systemResolve;
  }

  /** Adds a port that became known after the worker started (the MCP endpoint listens later). */
  protect(endpoint: ProtectedEndpoint): void {
    this.endpoints.push(endpoint);
  }

  /**
   * Whether a request to `url` may be made, and the address to connect to. Resolution failures
   * (no such host) are thrown as the resolver's error: they are network errors, not refusals.
   */
  async admit(url: URL): Promise<EgressDecision> {
    const listed = this.allowList?.allows(url) ?? false;
    if (this.allowList && !listed) return { allowed: false, message: hostNotAllowedMessage(url, this.allowList) };
    const hostname = bare(url.hostname);
    const literal = isIP(hostname) !== 0;
    const addresses = literal ? [{ address: hostname, family: isIP(hostname) }] : await this.resolve(hostname);
    if (addresses.length === 0) throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
    const port = Number(hostAndPort(url).split(':').at(-1));
    for (const { address } of addresses) {
      const refusal = listed ? undefined : addressRefusal(address);
      if (refusal) {
        const why = literal ? `${hostname} is ${refusal}` : `${hostname} resolves to ${address}, ${refusal}`;
        return {
          allowed: false,
          message: `http request to host ${url.host} is not allowed: ${why}, and http tasks reach only public addresses unless ${HTTP_ALLOWED_HOSTS_VARIABLE} allows more (an operator allows it by setting ${HTTP_ALLOWED_HOSTS_VARIABLE}=${hostAndPort(url)} for the worker; then only the hosts it lists are allowed)`,
        };
      }
      const own = this.allowList?.namesExactly(url) ? undefined : await this.protectedAt(address, port);
      if (own) {
        return {
          allowed: false,
          message: `http request to host ${url.host} is not allowed: ${address}:${port} is ${own.what}, which flows may not call (an operator who means it lists exactly ${hostAndPort(url)} in ${HTTP_ALLOWED_HOSTS_VARIABLE} for the worker)`,
        };
      }
    }
    const [first] = addresses;
    return { allowed: true, address: first?.address ?? hostname, family: first?.family === 6 ? 6 : 4 };
  }

  private async protectedAt(address: string, port: number): Promise<ProtectedEndpoint | undefined> {
    const here = onThisMachine(address);
    for (const e of this.endpoints) {
      if (e.port !== port) continue;
      if (sameAddress(e.host, address) || (here && onThisMachine(e.host))) return e;
      if (isIP(bare(e.host)) === 0 && (await this.addressesOf(e.host)).some((a) => sameAddress(a, address))) return e;
    }
    return undefined;
  }

  /** A protected endpoint's addresses by name (a remote Temporal server), resolved once. */
  private addressesOf(host: string): Promise<string[]> {
    let known = this.resolved.get(host);
    if (!known) {
      known = this.resolve(bare(host)).then(
        (list) => list.map((a) => a.address),
        () => [],
      );
      this.resolved.set(host, known);
    }
    return known;
  }
}

/**
 * The policy of the environment: WEFT_HTTP_ALLOWED_HOSTS (throws ConfigError when malformed) and
 * the given protected endpoints.
 */
export function egressPolicyFromEnv(protectedEndpoints: readonly ProtectedEndpoint[] = [], env: NodeJS.ProcessEnv = process.env): EgressPolicy {
  return new EgressPolicy({ allowList: hostAllowListFromEnv(env), protectedEndpoints });
}

/** The endpoints of a Temporal server at `address` (host:port): its gRPC port, and the others given. */
export function temporalEndpoints(
  address: string | undefined,
  others: { uiPort?: number | undefined; httpPort?: number | undefined; metricsPort?: number | undefined } = {},
): ProtectedEndpoint[] {
  if (!address) return [];
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address.trim());
  if (!match) return [];
  const host = match[1] ?? match[2] ?? '';
  const list: ProtectedEndpoint[] = [{ host, port: Number(match[3]), what: "the Temporal server's gRPC port" }];
  if (others.uiPort) list.push({ host, port: others.uiPort, what: "the Temporal server's Web UI" });
  if (others.httpPort) list.push({ host, port: others.httpPort, what: "the Temporal server's HTTP API" });
  if (others.metricsPort) list.push({ host, port: others.metricsPort, what: "the Temporal server's metrics endpoint" });
  return list;
}

function bare(hostname: string): string {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return host.toLowerCase().replace(/\.$/, '');
}

/** Loopback, unspecified, `localhost`, or an address of one of this machine's interfaces. */
function onThisMachine(host: string): boolean {
  const h = bare(host);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 0) return false;
  const refusal = addressRefusal(h);
  if (refusal === 'a loopback address' || refusal?.includes('unspecified')) return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => sameAddress(i.address, h)));
}
