// The web origins, besides the MCP endpoint's own, whose pages may call it, from
// WEFT_ALLOWED_ORIGINS: comma-separated `scheme://host[:port]`. A browser names the page's origin
// in the Origin header; checking it keeps a page that rebinds its DNS name to 127.0.0.1 out.

import { ConfigError } from '../../core/errors.js';

/** The environment variable that holds the list; unset: only the endpoint's own origin. */
export const ALLOWED_ORIGINS_VARIABLE = 'WEFT_ALLOWED_ORIGINS';

/**
 * The origins of a comma-separated list, normalised as browsers send them (lower-case host,
 * default port dropped). Throws ConfigError naming the first entry that is not an http(s) origin.
 */
export function parseAllowedOrigins(text: string, source = ALLOWED_ORIGINS_VARIABLE): string[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries.map((entry) => {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigError(`${source} entry "${entry}" must be an http(s) origin such as https://console.example.com`, 'separate entries with commas');
    }
    if (url.href !== `${url.origin}/`) {
      throw new ConfigError(`${source} entry "${entry}" must be an origin, without path, query or credentials`, `use ${url.origin}`);
    }
    return url.origin;
  });
}
