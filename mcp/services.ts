// What the MCP server needs from Weft: the service layer only (flows, runs, logs). Adapters
// never reach the Temporal client or the store directly.

import type { FlowService } from '../src/services/flow-service.js';
import type { FlowDraft } from '../src/services/llm/flow-drafter.js';
import type { LogService } from '../src/services/log-service.js';
import type { RunService } from '../src/services/run-service.js';

export interface McpServices {
  flows: FlowService;
  runs: RunService;
  logs: LogService;
  /** Drafts a flow with the configured model (`provider/model`, default WEFT_DRAFT_MODEL). */
  draft?(goal: string, model: string | undefined, signal: AbortSignal): Promise<FlowDraft>;
}
