// Where run log lines go. The store's sink (store-log-sink.ts) is the one Weft uses; the
// interface lets activities stay independent of it.

import type { LogLine } from '../../core/runs/activity-io.js';

export interface LogSink {
  write(lines: readonly LogLine[]): Promise<void>;
}
