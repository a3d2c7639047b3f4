// Keeps the SDK's worker logs to warnings and errors so test output stays readable.
import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;
export function quietRuntime(): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}
