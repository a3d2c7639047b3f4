// The embedded Temporal server belongs to one data directory: its ports must be free before it
// starts. Otherwise the readiness check would find whatever already answers there (the server
// of another data directory) and this Weft would join it, sharing its task queue and runs.

import { WeftError } from '../../core/errors.js';
import { portFree } from './loopback-ports.js';

/** Thrown when a port the embedded Temporal server needs is taken by something else. */
export class TemporalPortInUseError extends WeftError {
  constructor(
    readonly port: number,
    readonly what: string,
  ) {
    super(
      'TEMPORAL_PORT_IN_USE',
      `the embedded Temporal server's ${what} port ${port} on 127.0.0.1 is already in use, perhaps by the Weft service of another data directory: this data directory's own server cannot start there`,
      {
        hint: `give this one other ports (weft dev --port P --ui-port P --mcp-port P), stop whatever uses ${port}, or set TEMPORAL_ADDRESS=127.0.0.1:${port} to use that server on purpose`,
      },
    );
  }
}

/** Throws TemporalPortInUseError unless each port can be bound on 127.0.0.1 right now. */
export async function assertPortsFree(ports: ReadonlyArray<{ port: number; what: string }>): Promise<void> {
  for (const { port, what } of ports) {
    if (!(await portFree(port))) throw new TemporalPortInUseError(port, what);
  }
}
