// The activity behind task types registered from TypeScript: resolves secrets in the fields the
// type declared, runs the module's handler under the task's timeout with heartbeats, and gives
// the handler a log function that writes to the run's logs with replay-safe line ids.

import { ApplicationFailure } from '@temporalio/activity';
import type { CustomTaskInput } from '../src/core/runs/activity-io.js';
import type { TaskTypeDefinition } from '../src/services/code-flows/weft-module.js';
import type { LogSink } from '../src/services/logs/log-sink.js';
import { type RunSecrets, resolveSecretsInValue } from '../src/services/secrets/secret-source.js';
import { withHeartbeat } from './heartbeat.js';

export type CustomTaskHandlers = ReadonlyMap<string, TaskTypeDefinition>;

export async function runCustomTaskActivity(
  input: CustomTaskInput,
  handlers: CustomTaskHandlers,
  secrets: RunSecrets,
  used: Set<string>,
  logs: LogSink,
): Promise<unknown> {
  const handler = handlers.get(input.type);
  if (!handler) {
    throw ApplicationFailure.create({
      type: 'TaskTypeNotRegistered',
      message: `this worker has no handler for task type "${input.type}"`,
      nonRetryable: true,
      details: [{ hint: 'start the worker with WEFT_MODULES naming the module that defines it' }],
    });
  }
  const config = { ...input.config };
  for (const field of handler.secretFields ?? []) {
    if (config[field] !== undefined) config[field] = await resolveSecretsInValue(config[field], secrets, used);
  }
  const { context } = input;
  const key = `${context.taskId}${context.iteration ? `[${context.iteration.join(',')}]` : ''}`;
  let lines = 0;
  return withHeartbeat(async (cancelled) => {
    const signal = AbortSignal.any([cancelled, AbortSignal.timeout(input.timeoutMs)]);
    return handler.run(config as never, {
      runId: context.runId,
      taskId: context.taskId,
      ...(context.iteration ? { iteration: context.iteration } : {}),
      attempt: context.attempt,
      signal,
      async log(message, level = 'info') {
        lines += 1;
        await logs.write([
          {
            id: `${context.runId}|${key}#${context.attempt}|custom|${lines}`,
            runId: context.runId,
            flow: context.flow ?? '',
            taskId: context.taskId,
            ...(context.iteration ? { iteration: context.iteration } : {}),
            attempt: context.attempt,
            level,
            message,
            time: new Date().toISOString(),
          },
        ]);
      },
    });
  });
}
