// What validation knows only with the saved flows at hand: every flow an `agent` task offers as
// a tool is saved and readable by whoever saves the flow (its namespace is allowed to them). The
// run checks again when the agent starts (the `resolveFlow` activity, with the starter's rights).

import { type ValidationProblem, WeftError } from '../../core/errors.js';
import type { AgentTask, FlowSpec } from '../../core/spec/flow-spec.js';
import { flowTasks } from '../../core/spec/flow-tasks.js';
import type { FlowCatalog } from './flow-catalog.js';

export async function checkAgentFlowTools(flow: FlowSpec, catalog: FlowCatalog, mayRead: (namespace: string) => boolean): Promise<ValidationProblem[]> {
  const problems: ValidationProblem[] = [];
  for (const { task, path } of flowTasks(flow)) {
    if (task.type !== 'agent') continue;
    const tools = (task as AgentTask).tools;
    for (const [i, tool] of tools.entries()) {
      if (!('flow' in tool)) continue;
      const at = `${path}.tools[${i}].flow`;
      const namespace = tool.flow.slice(0, tool.flow.indexOf('/'));
      if (!mayRead(namespace)) {
        problems.push({
          path: at,
          message: `${at} names ${tool.flow}, outside the namespaces this caller may read`,
          hint: 'offer flows of your own namespace',
        });
        continue;
      }
      // A flow that calls itself as a tool is allowed: it is this flow, saved or about to be.
      if (tool.flow === `${flow.namespace}/${flow.id}`) continue;
      const found = await catalog.resolve(tool.flow).then(
        () => true,
        (error: unknown) => {
          if (error instanceof WeftError) return false;
          throw error;
        },
      );
      if (!found)
        problems.push({ path: at, message: `${at} names ${tool.flow}, which is not a saved flow`, hint: 'save that flow first, or fix the reference' });
    }
  }
  return problems;
}
