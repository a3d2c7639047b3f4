// Webhook triggers: a delivery to one trigger of a saved flow is authenticated, its `when`,
// `idempotencyKey` and `inputs` evaluated with the delivery as `trigger`, and a run of the flow's
// latest revision started through RunService (a repeat attaches), optionally awaited.

import { createHash } from 'node:crypto';
import { toCel } from '../../core/expressions/cel-values.js';
import { renderValue, textOf } from '../../core/expressions/evaluate.js';
import type { RunState } from '../../core/runs/run-types.js';
import { parseDuration } from '../../core/spec/duration.js';
import { valueNestingProblem } from '../../core/spec/nesting-depth.js';
import { MAX_WEBHOOK_WAIT_MS, type WebhookTrigger } from '../../core/spec/triggers.js';
import type { FlowService } from '../flow-service.js';
import type { RunError, RunService } from '../run-service.js';
import { waitForRunEnd } from '../run-waiter.js';
import type { SecretSource } from '../secrets/secret-source.js';
import { TriggerNotFoundError, WebhookBodyError, WebhookDisabledError, WebhookUnauthorizedError } from './trigger-errors.js';
import { CREDENTIAL_HEADERS, checkDelivery, signatureOf } from './webhook-auth.js';

/** A request to a webhook trigger, as the HTTP adapter read it (header names lower-case). */
export interface WebhookDelivery {
  flow: string;
  triggerId: string;
  method: string;
  headers: Record<string, string>;
  query: Record<string, string | string[]>;
  /** The raw body, exactly as received: the signature covers these bytes. */
  body: Buffer;
  /** The body as the run sees it: parsed when JSON, else the text. */
  parsedBody: unknown;
}

/** What a delivery did: `{ started, runId?, state?, outputs?, error? }` plus whether the run was awaited to its end. */
export interface WebhookOutcome {
  started: boolean;
  runId?: string;
  state?: RunState;
  outputs?: Record<string, unknown>;
  error?: RunError;
  /** `ended`: awaited to its end; `expired`: the wait ran out; `none`: not awaited, or nothing started. */
  waited: 'ended' | 'expired' | 'none';
}

export interface WebhookServiceOptions {
  /** Told why a delivery could not be checked (a secret not set); never of secret values. */
  log?: (line: string) => void;
}

export class WebhookService {
  constructor(
    private readonly flows: FlowService,
    private readonly runs: RunService,
    private readonly secrets: SecretSource,
    private readonly options: WebhookServiceOptions = {},
  ) {}

  /**
   * Handles one delivery. Throws WebhookUnauthorizedError, WebhookDisabledError, WebhookBodyError,
   * TriggerNotFoundError, FlowNotFoundError, ExpressionError, FlowValidationError, IdempotencyConflictError.
   */
  async deliver(delivery: WebhookDelivery): Promise<WebhookOutcome> {
    const { flow, triggerId } = delivery;
    const detail = await this.flows.get(flow);
    const trigger = detail.kind === 'declarative' ? detail.spec.triggers?.find((t) => t.id === triggerId) : undefined;
    if (trigger?.type !== 'webhook') {
      const hooks = detail.kind === 'declarative' ? (detail.spec.triggers ?? []).filter((t) => t.type === 'webhook').map((t) => t.id) : [];
      throw new TriggerNotFoundError(flow, triggerId, hooks);
    }
    await this.authenticate(detail.spec.namespace, flow, trigger, delivery);
    if (trigger.enabled === false) throw new WebhookDisabledError(flow, triggerId);
    const nesting = valueNestingProblem(delivery.parsedBody, undefined, 'body');
    if (nesting) throw new WebhookBodyError(`webhook ${flow}/${triggerId} body ${nesting.message}`);

    const event = eventOf(delivery);
    const scope = { trigger: toCel(event) };
    const field = `triggers.${triggerId}`;
    if (trigger.when !== undefined && renderValue(trigger.when, scope, `${field}.when`) !== true) return { started: false, waited: 'none' };
    const key =
      trigger.idempotencyKey !== undefined
        ? `key:${digest(textOf(renderValue(trigger.idempotencyKey, scope, `${field}.idempotencyKey`)))}`
        : // Neither a key nor a signature that changes per delivery: the same body, query and
          // signature (or token) is a replay, and Temporal's workflow-id reuse policy refuses its
          // second start for as long as the namespace keeps the first run.
          `replay:${replayDigest(delivery)}`;
    const inputs = renderValue(trigger.inputs ?? {}, scope, `${field}.inputs`) as Record<string, unknown>;
    const { runId, started } = await this.runs.start({ flow, inputs, idempotencyKey: `webhook:${triggerId}:${key}`, trigger: 'webhook', event }, detail);
    const waitMs = trigger.wait !== undefined ? Math.min(parseDuration(trigger.wait) ?? 0, MAX_WEBHOOK_WAIT_MS) : 0;
    if (waitMs <= 0) return { started, runId, waited: 'none' };
    const ended = await waitForRunEnd(this.runs, runId, waitMs);
    if (ended.state === 'RUNNING' || ended.state === 'WAITING') return { started, runId, state: ended.state, waited: 'expired' };
    return {
      started,
      runId,
      state: ended.state,
      ...(ended.outputs ? { outputs: ended.outputs } : {}),
      ...(ended.error ? { error: ended.error } : {}),
      waited: 'ended',
    };
  }

  private async authenticate(namespace: string, flow: string, trigger: WebhookTrigger, delivery: WebhookDelivery): Promise<void> {
    const name = trigger.secret ?? trigger.token ?? '';
    const value = await this.secrets.get(name, namespace);
    if (value === undefined || value === '') {
      this.options.log?.(`webhook ${flow}/${trigger.id}: the secret ${name} is not set, so no request can be checked; set it with weft secret set ${name}`);
      throw new WebhookUnauthorizedError(flow, trigger.id, 'the trigger cannot check requests yet');
    }
    const signature = signatureOf(delivery.headers);
    const refusal = checkDelivery(trigger, value, delivery.body, {
      ...(signature !== undefined ? { signature } : {}),
      ...(delivery.headers.authorization !== undefined ? { authorization: delivery.headers.authorization } : {}),
    });
    if (refusal) throw new WebhookUnauthorizedError(flow, trigger.id, refusal);
  }
}

/** `run.event` of a delivery: its credentials are left out, so they never enter history or logs. */
function eventOf(delivery: WebhookDelivery): Record<string, unknown> {
  const dropped = new Set<string>(CREDENTIAL_HEADERS);
  const headers = Object.fromEntries(Object.entries(delivery.headers).filter(([name]) => !dropped.has(name)));
  return { id: delivery.triggerId, method: delivery.method, headers, query: delivery.query, body: delivery.parsedBody };
}

function replayDigest(delivery: WebhookDelivery): string {
  const credential = signatureOf(delivery.headers) ?? delivery.headers.authorization ?? '';
  return digest(`${delivery.body.toString('base64')}\n${JSON.stringify(delivery.query)}\n${credential}`);
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
