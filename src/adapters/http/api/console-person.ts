// Who answers an approval from the web console on a loopback server without keys: the person at
// the machine (http-api.md, "Who may answer an approval for a person"). The console says so with
// a header; it counts only for the local caller, from this server's own page: a page elsewhere
// cannot send the header (a custom header needs a CORS preflight this server never grants) and
// its Origin is refused before any route runs. With keys, a person's key is the only way.

import type { IncomingMessage } from 'node:http';
import { userInfo } from 'node:os';
import type { McpAccess } from '../../../../mcp/access.js';
import type { RouteChecks } from '../../../../mcp/http-server.js';
import { LOCAL } from '../../../services/security/principal.js';

/** The header the console sends with every call, with the value `person`. */
export const CONSOLE_PERSON_HEADER = 'x-weft-console';

/** The access of a request, made a person's when it is the console's on a keyless loopback server. */
export function withConsolePerson(req: IncomingMessage, access: McpAccess, checks: RouteChecks): McpAccess {
  if (access.caller !== LOCAL || req.headers[CONSOLE_PERSON_HEADER] !== 'person') return access;
  // Browsers send Origin with every mutating fetch; a call without one is not the console's page.
  const origin = req.headers.origin;
  if (origin === undefined || !checks.originAllowed(origin)) return access;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return access;
  return { ...access, person: localPersonName() };
}

let personName: string | undefined;

/** The account name of the person at this machine (what the CLI's `run approve --by` defaults to). */
function localPersonName(): string {
  if (personName === undefined) {
    try {
      personName = userInfo().username || 'person at this machine';
    } catch {
      personName = 'person at this machine';
    }
  }
  return personName;
}
