// The run view for MCP Apps hosts: get_run names `ui://weft/run` in its `_meta.ui.resourceUri`,
// and this resource is the console's run page built as one HTML document (console/src/run-app.tsx,
// bundled by scripts/build-console.mjs at install). Hosts that do not support MCP Apps ignore both.

import { readFile } from 'node:fs/promises';
import { RESOURCE_MIME_TYPE, registerAppResource } from '@modelcontextprotocol/ext-apps/server';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { projectPath } from '../src/services/config/paths.js';
import { JsonRpcError } from './protocol-errors.js';

export const RUN_VIEW_URI = 'ui://weft/run';

/** What get_run declares: the host shows this resource beside the tool's result. */
export const RUN_VIEW_META = { ui: { resourceUri: RUN_VIEW_URI } } as const;

/** Where scripts/build.mjs writes the view. */
export const RUN_VIEW_FILE = projectPath('dist', 'mcp-app', 'run-view.html');

/** JSON-RPC's internal error: the server is missing a part, not the client asking wrongly. */
const INTERNAL_ERROR = -32603;

export function registerRunView(server: McpServer): void {
  registerAppResource(
    server,
    'run-view',
    RUN_VIEW_URI,
    { title: 'Run view', description: 'A run’s state, timeline, outputs and approval forms, for hosts that show MCP Apps', mimeType: RESOURCE_MIME_TYPE },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: RESOURCE_MIME_TYPE, text: await readRunView() }] }),
  );
}

/** Read at each request, so a rebuild is served without a restart. */
async function readRunView(): Promise<string> {
  try {
    return await readFile(RUN_VIEW_FILE, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new JsonRpcError(INTERNAL_ERROR, `The run view is not built (${RUN_VIEW_FILE} is missing): run npm run build`);
  }
}
