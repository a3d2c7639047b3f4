// Errors of trigger operations: a trigger that does not exist, an action its type or state does
// not allow, or a webhook delivery refused. Each names the flow and trigger and says what would be valid.

import { WeftError } from '../../core/errors.js';

/** Thrown when a flow has no trigger with the id asked for. */
export class TriggerNotFoundError extends WeftError {
  constructor(
    readonly flow: string,
    readonly triggerId: string,
    known: readonly string[],
  ) {
    super('TRIGGER_NOT_FOUND', `flow ${flow} has no trigger "${triggerId}"`, {
      hint: known.length ? `triggers of ${flow}: ${known.join(', ')}` : `${flow} has no triggers; add one under triggers: and save the flow`,
    });
  }
}

/** Thrown when an action does not apply to a trigger (pausing a disabled one, backfilling a webhook). */
export class TriggerActionError extends WeftError {
  constructor(message: string, hint?: string) {
    super('TRIGGER_ACTION_INVALID', message, hint === undefined ? {} : { hint });
  }
}

/** Thrown when a flow was saved but Temporal could not be told about its schedules. */
export class TriggerSyncError extends WeftError {
  constructor(flow: string, cause: unknown) {
    super(
      'TRIGGER_SYNC_FAILED',
      `flow ${flow} is saved, but its schedules could not be updated in Temporal: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`,
      { hint: 'the server reconciles schedules with the saved flows when it next starts; or save the flow again once Temporal answers', cause },
    );
  }
}

/** Thrown when a delivery's signature or token is missing or wrong; nothing starts. */
export class WebhookUnauthorizedError extends WeftError {
  constructor(
    flow: string,
    triggerId: string,
    readonly reason: string,
  ) {
    super('WEBHOOK_UNAUTHORIZED', `webhook ${flow}/${triggerId} refused the request: ${reason}`, {
      hint: 'sign the raw body with HMAC-SHA256 of the secret (X-Weft-Signature: sha256=<hex>), or send Authorization: Bearer <token>, as the trigger says',
    });
  }
}

/** Thrown when a delivery reaches a trigger that is disabled (`enabled: false`); nothing starts. */
export class WebhookDisabledError extends WeftError {
  constructor(flow: string, triggerId: string) {
    super('TRIGGER_DISABLED', `webhook ${flow}/${triggerId} is disabled (enabled: false)`, {
      hint: 'set enabled: true (or remove the line) and save the flow',
    });
  }
}

/** Thrown when a delivery's body holds values nested too deeply for expressions. */
export class WebhookBodyError extends WeftError {
  constructor(message: string) {
    super('WEBHOOK_BODY_INVALID', message, { hint: 'send a JSON body nested at most 128 levels deep' });
  }
}
