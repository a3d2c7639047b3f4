// The MCP tools of the contract (../shared/spec/mcp-tools.md) plus Weft's compatible additions.

export const CONTRACT_TOOLS = [
  'list_task_types',
  'validate_flow',
  'save_flow',
  'list_flows',
  'get_flow',
  'delete_flow',
  'run_flow',
  'get_run',
  'list_runs',
  'cancel_run',
  'restart_run',
  'respond_to_approval',
  'query_logs',
  'list_triggers',
  'operate_trigger',
  'list_limits',
  'set_limit',
  'draft_flow',
  'manage_files',
];
