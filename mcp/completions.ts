// `completion/complete`: values for the arguments of prompts and the variables of resource
// templates that name a flow, a namespace or a run, matched by prefix, within what the session
// may see. Runs are the recent ones (the 200 newest), flows the first 1000 by name: `total` and
// `hasMore` count the matches among those.

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CompleteRequestSchema, type CompleteResult, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { PromptTemplate } from '../src/services/prompts/prompt-library.js';
import { JsonRpcError } from './protocol-errors.js';
import { RESOURCE_TEMPLATES } from './resources.js';
import type { ToolContext } from './tool-registry.js';

/** Most values one answer holds (the protocol's limit). */
export const MAX_COMPLETION_VALUES = 100;
/** How many of the newest runs are searched for a run id. */
export const RECENT_RUNS = 200;
/** Flows are read 200 a page; at most this many pages are searched. */
const FLOW_PAGES = 5;

type Kind = 'flow' | 'namespace' | 'flowId' | 'run';

/** What each argument or variable names, by its name. */
const PROMPT_ARGUMENTS: Record<string, Kind> = { flow: 'flow', namespace: 'namespace', runId: 'run' };
const TEMPLATE_VARIABLES: Record<string, Record<string, Kind>> = {
  [RESOURCE_TEMPLATES.flow]: { namespace: 'namespace', id: 'flowId' },
  [RESOURCE_TEMPLATES.run]: { runId: 'run' },
  [RESOURCE_TEMPLATES.runLogs]: { runId: 'run' },
};
/** Resources with a fixed URI: nothing to complete, and not an error to ask. */
const FIXED_RESOURCES = new Set(['weft://docs/flow-spec']);

/** Advertises `completions` and answers `completion/complete`. */
export function registerCompletions(server: McpServer, ctx: ToolContext, prompts: readonly PromptTemplate[]): void {
  server.server.registerCapabilities({ completions: {} });
  const promptNames = new Set(prompts.map((p) => p.name));
  server.server.setRequestHandler(CompleteRequestSchema, async (request): Promise<CompleteResult> => {
    const { ref, argument, context } = request.params;
    let kind: Kind | undefined;
    if (ref.type === 'ref/prompt') {
      if (!promptNames.has(ref.name)) {
        throw new JsonRpcError(
          ErrorCode.InvalidParams,
          `completion/complete params.ref.name ${JSON.stringify(ref.name)} is no prompt of this server; prompts: ${[...promptNames].join(', ')}`,
        );
      }
      kind = PROMPT_ARGUMENTS[argument.name];
    } else {
      const variables = TEMPLATE_VARIABLES[ref.uri];
      if (!variables && !FIXED_RESOURCES.has(ref.uri)) {
        throw new JsonRpcError(
          ErrorCode.InvalidParams,
          `completion/complete params.ref.uri ${JSON.stringify(ref.uri)} is no resource template of this server; templates: ${Object.keys(TEMPLATE_VARIABLES).join(', ')}`,
        );
      }
      kind = variables?.[argument.name];
    }
    if (!kind) return { completion: { values: [], hasMore: false } };
    const found = await candidates(kind, argument.value, context?.arguments ?? {}, ctx);
    const values = found.slice(0, MAX_COMPLETION_VALUES);
    return { completion: { values, total: found.length, hasMore: found.length > values.length } };
  });
}

async function candidates(kind: Kind, prefix: string, resolved: Record<string, string>, ctx: ToolContext): Promise<string[]> {
  if (kind === 'run') return recentRuns(prefix, ctx);
  const flows = await flowRefs(kind === 'flowId' ? resolved.namespace : undefined, ctx);
  if (kind === 'namespace') return [...new Set(flows.map((r) => r.slice(0, r.indexOf('/'))))].filter((n) => n.startsWith(prefix));
  if (kind === 'flowId') return flows.map((r) => r.slice(r.indexOf('/') + 1)).filter((id) => id.startsWith(prefix));
  // A flow is asked for as `namespace/id`; typing the id alone finds it too.
  return flows.filter((r) => r.startsWith(prefix) || r.slice(r.indexOf('/') + 1).startsWith(prefix));
}

/** Saved flows the session may see, as `namespace/id`, sorted. */
async function flowRefs(namespace: string | undefined, ctx: ToolContext): Promise<string[]> {
  const bound = ctx.access.namespace;
  // A session bound to a namespace sees no other, whatever it asks.
  if (bound !== undefined && namespace !== undefined && namespace !== bound) return [];
  const refs: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < FLOW_PAGES; page++) {
    const listed = await ctx.services.flows.list({
      ...((namespace ?? bound) ? { namespace: namespace ?? bound } : {}),
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    refs.push(...listed.flows.map((f) => f.flow));
    cursor = listed.nextCursor;
    if (!cursor) break;
  }
  return refs;
}

/** Run ids among the newest runs the session may see, newest first. */
async function recentRuns(prefix: string, ctx: ToolContext): Promise<string[]> {
  const page = await ctx.services.runs.list({ ...(ctx.access.namespace !== undefined ? { namespace: ctx.access.namespace } : {}), limit: RECENT_RUNS });
  return page.runs.map((r) => r.runId).filter((id) => id.startsWith(prefix));
}
