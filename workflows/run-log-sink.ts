// The run-log sink: task events and `log` task lines leave the workflow through a Temporal sink.
// The worker calls sinks after the activation and awaits them before it reports the workflow task
// done, so a line is in the store before the step that wrote it is durable: a crash before the
// write means the workflow task is retried and the activation runs (and writes) again. It costs
// no command, no history event and no round trip through Temporal's core. Replays do not call it
// (their lines were written when the activation first ran).

import { proxySinks, type Sinks } from '@temporalio/workflow';
import type { LogLine } from '../src/core/runs/activity-io.js';

export interface RunLogSinks extends Sinks {
  runLogs: { write(lines: LogLine[]): void };
}

export const { runLogs } = proxySinks<RunLogSinks>();
