// The one way an entry point starts telemetry: the SDK's packages are loaded only when the
// settings export something, so a process without telemetry never loads them.

import type { Telemetry } from './telemetry-sdk.js';
import { type TelemetrySettings, telemetryEnabled } from './telemetry-settings.js';

export async function startConfiguredTelemetry(settings: TelemetrySettings, role: 'server' | 'worker'): Promise<Telemetry | undefined> {
  if (!telemetryEnabled(settings)) return undefined;
  const { startTelemetry } = await import('./telemetry-sdk.js');
  return startTelemetry(settings, role);
}
