// Starts the trigger service of a running Weft service: it hears of every flow save and delete
// from then on, and reconciles Temporal's Schedules with the store's flows once, now, so a crash
// between a store write and its Temporal call leaves neither a stray nor a missing Schedule.

import type { ServicesContext } from '../services-context.js';
import type { TriggerService } from './trigger-service.js';

/** The trigger service of `services`, observing its flow service, after one reconciliation. */
export async function startTriggers(services: ServicesContext, progress: (line: string) => void = () => {}): Promise<TriggerService> {
  const triggers = await services.triggers();
  try {
    const { upserted, deleted } = await triggers.reconcile();
    if (upserted.length || deleted.length) progress(`schedules reconciled: ${upserted.length} in place, ${deleted.length} stray removed`);
  } catch (error) {
    // The service still serves runs; the next start, or a save of the flow, tries again.
    progress(`schedules could not be reconciled with the saved flows: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  return triggers;
}
