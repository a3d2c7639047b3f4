// The web console at `/`: index.html for every page of the console (the browser routes between
// them itself, so a reload or a shared link to /runs/{runId} works), and the built assets under
// /assets/. Every answer carries a Content-Security-Policy that lets the page load and call
// nothing but this server, so no request of the console ever leaves its origin.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute, RouteChecks } from '../../../../mcp/http-server.js';
import { type ConsoleFiles, defaultConsoleDir, loadConsoleFiles } from './console-files.js';

/** The page paths the console answers with index.html; the first segment decides. */
const PAGES = new Set(['', 'runs', 'flows', 'limits']);

/** Nothing from elsewhere, no inline script or style, no framing, no form posts away. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface ConsoleRouteOptions {
  /** The folder of the built console; default dist/console/ of this package. */
  dir?: string;
}

/** Whether a path is the console's: a page or an asset. */
export function isConsolePath(pathname: string): boolean {
  if (pathname.startsWith('/assets/')) return true;
  const first = pathname.split('/')[1] ?? '';
  return PAGES.has(first);
}

/** The route of the HTTP server that serves the console (mount it after /mcp, /api and /hooks). */
export function consoleRoute(options: ConsoleRouteOptions = {}): HttpRoute {
  const dir = options.dir ?? defaultConsoleDir();
  let files: Promise<ConsoleFiles | undefined> | undefined;
  return {
    prefix: '/',
    matches: isConsolePath,
    async handle(req, res, checks) {
      // Read once; a build that was missing at the first request is looked for again next time.
      files ??= loadConsoleFiles(dir);
      const loaded = await files;
      if (!loaded) files = undefined;
      serve(req, res, checks, loaded);
    },
  };
}

function serve(req: IncomingMessage, res: ServerResponse, checks: RouteChecks, files: ConsoleFiles | undefined): void {
  res.setHeader('content-security-policy', CONSOLE_CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  if (!checks.hostAllowed(req.headers.host)) {
    text(res, 403, 'Host not allowed on a loopback server: open the console as 127.0.0.1 or localhost');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    text(res, 405, 'the console takes GET only');
    return;
  }
  if (!files) {
    text(res, 503, 'the web console is not built: run `npm run build`');
    return;
  }
  const pathname = new URL(req.url ?? '/', 'http://placeholder').pathname;
  const file = pathname.startsWith('/assets/') ? files.get(pathname) : files.get('/index.html');
  if (!file) {
    text(res, 404, `no console asset at ${pathname}`);
    return;
  }
  res.writeHead(200, {
    'content-type': file.contentType,
    'content-length': file.body.length,
    'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(`${body}\n`);
}
