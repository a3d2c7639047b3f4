// Resources: the authoring guide, flow sources, run details and run logs. Everything here is
// also reachable through tools, since many clients never read resources.

import { readFile } from 'node:fs/promises';
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { projectPath } from '../src/config/paths.js';
import { auditedRead } from './access.js';
import type { ToolContext } from './tool-registry.js';
import { checkFlowRefAccess } from './tools/flow-tools.js';
import { checkRunAccess } from './tools/run-tools.js';

const FLOW_GUIDE = projectPath('docs', 'flows.md');
/** Most log lines one logs resource holds; query_logs pages through any number. */
const RESOURCE_LOG_LINES = 1000;

export function registerResources(server: McpServer, ctx: ToolContext): void {
  server.registerResource(
    'flow-spec',
    'weft://docs/flow-spec',
    { title: 'Writing Weft flows', description: 'The authoring guide: document, task types, expressions, examples', mimeType: 'text/markdown' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: await readFile(FLOW_GUIDE, 'utf8') }] }),
  );
  server.registerResource(
    'flow',
    new ResourceTemplate('weft://flows/{namespace}/{id}', { list: undefined }),
    { title: 'Flow source', description: 'A saved flow’s latest source (YAML or JSON as saved)', mimeType: 'application/yaml' },
    async (uri, { namespace, id }) => {
      const ref = `${namespace}/${id}`;
      await auditedRead(ctx.access, 'resource:weft://flows', { flow: ref }, async () => checkFlowRefAccess(ref, ctx.access));
      const flow = await ctx.services.flows.get(`${namespace}/${id}`);
      return { contents: [{ uri: uri.href, mimeType: 'application/yaml', text: flow.yaml }] };
    },
  );
  server.registerResource(
    'run',
    new ResourceTemplate('weft://runs/{runId}', { list: undefined }),
    { title: 'Run', description: 'A run in full: state, inputs, outputs, every task run, approvals (JSON)', mimeType: 'application/json' },
    async (uri, { runId }) => {
      const checked = await auditedRead(ctx.access, 'resource:weft://runs', { runId }, () => checkRunAccess(String(runId), ctx));
      const detail = checked ?? (await ctx.services.runs.get(String(runId)));
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ ...detail, uiUrl: ctx.services.runs.uiUrl(detail.runId) }, null, 2) }],
      };
    },
  );
  server.registerResource(
    'run-logs',
    new ResourceTemplate('weft://runs/{runId}/logs', { list: undefined }),
    { title: 'Run logs', description: `A run’s last ${RESOURCE_LOG_LINES} log lines as text (query_logs pages through all)`, mimeType: 'text/plain' },
    async (uri, { runId }) => {
      await auditedRead(ctx.access, 'resource:weft://runs/logs', { runId }, () => checkRunAccess(String(runId), ctx));
      const page = await ctx.services.logs.query({ runId: String(runId), tail: RESOURCE_LOG_LINES });
      const text = page.entries
        .map((e) => `${e.ts} ${e.level.toUpperCase().padEnd(5)} ${e.taskId}${e.iteration ? `[${e.iteration.join(',')}]` : ''}: ${e.message}`)
        .join('\n');
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text }] };
    },
  );
}
