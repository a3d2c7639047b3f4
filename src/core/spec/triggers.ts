// The `triggers` of a flow: zod schemas of the three types (schedule, webhook, flow) as the
// spec writes them, and the rules zod cannot say (one of cron/every, jitter within the
// interval, required inputs covered, expressions that read only `trigger`).

import { z } from 'zod';
import type { ValidationProblem } from '../errors.js';
import { analyzeExpression } from '../expressions/references.js';
import { parseTemplate, TemplateSyntaxError } from '../expressions/template.js';
import { parseCron, shortestCronGapMs } from './cron.js';
import { parseDuration } from './duration.js';
import type { FlowInput } from './schemas.js';
import { DurationText, FLOW_ID_PATTERN, NAMESPACE_PATTERN, SingleExpression } from './schemas.js';
import { closest } from './suggest.js';
import { problemsFromZod } from './zod-problems.js';

export const TRIGGER_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;
export const TRIGGER_TYPES = ['schedule', 'webhook', 'flow'] as const;
export const OVERLAP_POLICIES = ['skip', 'bufferOne', 'bufferAll', 'cancelOther', 'terminateOther', 'allowAll'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
export const UPSTREAM_STATES = ['COMPLETED', 'FAILED', 'CANCELLED'] as const;

/** Defaults of a schedule trigger (spec, Triggers). */
export const SCHEDULE_DEFAULTS = { timezone: 'UTC', overlap: 'skip', catchupWindow: '5m' } as const;
/** Shortest catch-up window Temporal honours, in ms. */
export const MIN_CATCHUP_MS = 10_000;
/** Longest a webhook response may wait for its run, in ms. */
export const MAX_WEBHOOK_WAIT_MS = 60_000;
/** Largest webhook request body accepted, in bytes (1 MiB). */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/** The fields of `trigger` (= `run.event`) each trigger type's expressions can read (flow-spec.md, Triggers). */
export const TRIGGER_EVENT_FIELDS = {
  schedule: ['id', 'scheduledAt'],
  webhook: ['id', 'method', 'headers', 'query', 'body'],
  flow: ['id', 'flow', 'runId', 'state', 'outputs', 'inputs', 'depth'],
} as const satisfies Record<(typeof TRIGGER_TYPES)[number], readonly string[]>;

const TriggerId = z.string().max(64, 'must be at most 64 characters').regex(TRIGGER_ID_PATTERN, 'must match ^[A-Za-z_][A-Za-z0-9_-]*$');
const Common = {
  id: TriggerId,
  inputs: z.record(z.string(), z.unknown()).optional(),
  when: SingleExpression.optional(),
  enabled: z.boolean().optional(),
};

export const ScheduleTrigger = z.strictObject({
  ...Common,
  type: z.literal('schedule'),
  cron: z.string().max(200).optional(),
  every: DurationText.optional(),
  offset: DurationText.optional(),
  timezone: z.string().max(64).optional(),
  overlap: z.enum(OVERLAP_POLICIES).optional(),
  catchupWindow: DurationText.optional(),
  jitter: DurationText.optional(),
});
export type ScheduleTrigger = z.infer<typeof ScheduleTrigger>;

export const WebhookTrigger = z.strictObject({
  ...Common,
  type: z.literal('webhook'),
  secret: z.string().min(1).max(128).optional(),
  token: z.string().min(1).max(128).optional(),
  idempotencyKey: z.string().max(4096).optional(),
  wait: DurationText.optional(),
});
export type WebhookTrigger = z.infer<typeof WebhookTrigger>;

const FlowRef = z.string().refine((v) => isFlowRef(v), { message: 'must be a flow written namespace/id, e.g. team.data/ingest' });
export const FlowTrigger = z.strictObject({
  ...Common,
  type: z.literal('flow'),
  flows: z.array(FlowRef).min(1, 'must name at least one flow').max(50),
  states: z.array(z.enum(UPSTREAM_STATES)).min(1, 'must hold at least one state').optional(),
});
export type FlowTrigger = z.infer<typeof FlowTrigger>;

/** One trigger of a flow (enters history as part of the flow spec: fields only ever added, optional). */
export type Trigger = ScheduleTrigger | WebhookTrigger | FlowTrigger;

const SCHEMAS = { schedule: ScheduleTrigger, webhook: WebhookTrigger, flow: FlowTrigger } as const;

function isFlowRef(value: string): boolean {
  const at = value.indexOf('/');
  return at > 0 && NAMESPACE_PATTERN.test(value.slice(0, at)) && FLOW_ID_PATTERN.test(value.slice(at + 1));
}

/** Whether an IANA time zone name is one this runtime (and so Temporal's tz database) knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Every problem of a flow's `triggers`, given the flow's declared inputs. */
export function triggerProblems(raw: unknown, inputs: readonly FlowInput[]): ValidationProblem[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw))
    return [{ path: 'triggers', message: 'triggers must be a list of triggers', hint: 'e.g. triggers: [{ id: nightly, type: schedule, cron: "0 6 * * *" }]' }];
  const problems: ValidationProblem[] = [];
  const seen = new Map<string, string>();
  for (const [i, trigger] of raw.entries()) {
    const path = `triggers[${i}]`;
    if (trigger === null || typeof trigger !== 'object' || Array.isArray(trigger)) {
      problems.push({ path, message: `${path} must be a trigger map with at least id and type` });
      continue;
    }
    const t = trigger as Record<string, unknown>;
    if (typeof t.id === 'string') {
      const first = seen.get(t.id);
      if (first)
        problems.push({ path: `${path}.id`, message: `${path}.id "${t.id}" is already used at ${first}`, hint: 'trigger ids must be unique in the flow' });
      else seen.set(t.id, `${path}.id`);
    }
    problems.push(...oneTriggerProblems(t, path, inputs));
  }
  return problems;
}

function oneTriggerProblems(t: Record<string, unknown>, path: string, inputs: readonly FlowInput[]): ValidationProblem[] {
  const type = t.type;
  if (typeof type !== 'string' || !(TRIGGER_TYPES as readonly string[]).includes(type)) {
    return [
      {
        path: `${path}.type`,
        message: type === undefined ? `${path}.type is required` : `${path}.type ${JSON.stringify(type)} is not a trigger type`,
        hint: `trigger types: ${TRIGGER_TYPES.join(', ')}`,
      },
    ];
  }
  const kind = type as (typeof TRIGGER_TYPES)[number];
  const schema = SCHEMAS[kind];
  const problems: ValidationProblem[] = [];
  const parsed = schema.safeParse(t, { reportInput: true });
  if (!parsed.success) problems.push(...problemsFromZod(parsed.error.issues, path, Object.keys(schema.shape), `a ${kind} trigger`));
  if (kind === 'schedule') problems.push(...scheduleProblems(t, path));
  if (kind === 'webhook') problems.push(...webhookProblems(t, path));
  problems.push(...inputProblems(t, path, inputs));
  for (const field of ['when', 'idempotencyKey'] as const) {
    if (typeof t[field] === 'string') problems.push(...templateProblems(t[field], `${path}.${field}`, kind));
  }
  if (isMap(t.inputs)) for (const [name, value] of Object.entries(t.inputs)) problems.push(...valueTemplateProblems(value, `${path}.inputs.${name}`, kind));
  return problems;
}

function scheduleProblems(t: Record<string, unknown>, path: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const hasCron = t.cron !== undefined;
  const hasEvery = t.every !== undefined;
  if (hasCron === hasEvery) {
    problems.push({
      path,
      message: `${path} needs exactly one of cron and every${hasCron ? ' (got both)' : ''}`,
      hint: 'e.g. cron: "0 6 * * 1-5", or every: 15m',
    });
  }
  let intervalMs: number | undefined;
  if (typeof t.cron === 'string') {
    const cron = parseCron(t.cron);
    if (typeof cron === 'string')
      problems.push({
        path: `${path}.cron`,
        message: `${path}.cron ${cron}`,
        hint: 'five fields: minute hour day-of-month month day-of-week, or @hourly, @daily, @weekly',
      });
    else intervalMs = shortestCronGapMs(cron);
  }
  if (typeof t.every === 'string') {
    const every = wholeSeconds(t.every, `${path}.every`, problems);
    if (every !== undefined && every < 1000) problems.push({ path: `${path}.every`, message: `${path}.every must be at least 1s (got ${t.every})` });
    intervalMs = every;
    if (typeof t.offset === 'string') {
      const offset = wholeSeconds(t.offset, `${path}.offset`, problems);
      if (offset !== undefined && every !== undefined && offset >= every)
        problems.push({ path: `${path}.offset`, message: `${path}.offset must be shorter than every (${t.every}), got ${t.offset}` });
    }
    if (t.timezone !== undefined)
      problems.push({
        path: `${path}.timezone`,
        message: `${path}.timezone applies to cron only; every counts from the Unix epoch in no time zone`,
        hint: 'remove timezone, or use cron',
      });
  } else if (t.offset !== undefined) {
    problems.push({ path: `${path}.offset`, message: `${path}.offset applies to every only`, hint: 'shift a cron schedule with its minute and hour fields' });
  }
  if (typeof t.timezone === 'string' && !isTimeZone(t.timezone))
    problems.push({
      path: `${path}.timezone`,
      message: `${path}.timezone "${t.timezone}" is not an IANA time zone`,
      hint: 'e.g. UTC, Europe/Paris, America/New_York',
    });
  const catchup = typeof t.catchupWindow === 'string' ? parseDuration(t.catchupWindow) : undefined;
  if (catchup !== undefined && catchup < MIN_CATCHUP_MS)
    problems.push({ path: `${path}.catchupWindow`, message: `${path}.catchupWindow must be at least 10s (got ${t.catchupWindow})` });
  const jitter = typeof t.jitter === 'string' ? parseDuration(t.jitter) : undefined;
  if (jitter !== undefined && intervalMs !== undefined && jitter > intervalMs)
    problems.push({ path: `${path}.jitter`, message: `${path}.jitter must be at most the interval between fires (${intervalMs / 1000}s), got ${t.jitter}` });
  return problems;
}

function wholeSeconds(text: string, path: string, problems: ValidationProblem[]): number | undefined {
  const ms = parseDuration(text);
  if (ms === undefined) return undefined; // zod reported it
  if (ms % 1000 !== 0) {
    problems.push({ path, message: `${path} must be whole seconds (got ${text})` });
    return undefined;
  }
  return ms;
}

function webhookProblems(t: Record<string, unknown>, path: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if ((t.secret === undefined) === (t.token === undefined))
    problems.push({
      path,
      message: `${path} needs exactly one of secret and token${t.secret !== undefined ? ' (got both)' : ''}`,
      hint: 'secret: the name of a Weft secret for HMAC-SHA256 signatures; token: one for a bearer token',
    });
  const wait = typeof t.wait === 'string' ? parseDuration(t.wait) : undefined;
  if (wait !== undefined && wait > MAX_WEBHOOK_WAIT_MS) problems.push({ path: `${path}.wait`, message: `${path}.wait must be at most 60s (got ${t.wait})` });
  return problems;
}

function inputProblems(t: Record<string, unknown>, path: string, inputs: readonly FlowInput[]): ValidationProblem[] {
  const given = isMap(t.inputs) ? t.inputs : {};
  const problems: ValidationProblem[] = [];
  const declared = new Set(inputs.map((i) => i.id));
  for (const name of Object.keys(given)) {
    if (!declared.has(name))
      problems.push({
        path: `${path}.inputs.${name}`,
        message: `${path}.inputs.${name} is not an input of this flow`,
        hint: declared.size ? `inputs of this flow: ${[...declared].join(', ')}` : 'this flow declares no inputs',
      });
  }
  const missing = inputs.filter((i) => i.required !== false && i.default === undefined && !(i.id in given)).map((i) => i.id);
  if (missing.length)
    problems.push({
      path: `${path}.inputs`,
      message: `${path}.inputs must give the flow's required input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (no default)`,
      hint: `e.g. inputs: { ${missing[0]}: "{{ trigger.${t.type === 'schedule' ? 'scheduledAt' : 'id'} }}" }`,
    });
  return problems;
}

type TriggerKind = (typeof TRIGGER_TYPES)[number];

function valueTemplateProblems(value: unknown, path: string, kind: TriggerKind): ValidationProblem[] {
  if (typeof value === 'string') return templateProblems(value, path, kind);
  if (Array.isArray(value)) return value.flatMap((v, i) => valueTemplateProblems(v, `${path}[${i}]`, kind));
  if (isMap(value)) return Object.entries(value).flatMap(([k, v]) => valueTemplateProblems(v, `${path}.${k}`, kind));
  return [];
}

/** Trigger templates run before the run exists: they may read `trigger` and nothing of the run. */
function templateProblems(text: string, path: string, kind: TriggerKind): ValidationProblem[] {
  if (!text.includes('{{')) return [];
  let template: ReturnType<typeof parseTemplate>;
  try {
    template = parseTemplate(text);
  } catch (error) {
    if (!(error instanceof TemplateSyntaxError)) throw error;
    return [{ path, message: `${path} ${error.message}` }];
  }
  const exprs = template.kind === 'value' ? [template.expr] : template.kind === 'text' ? template.parts.flatMap((p) => ('expr' in p ? [p.expr] : [])) : [];
  const problems: ValidationProblem[] = [];
  for (const expr of exprs) {
    const facts = analyzeExpression(expr);
    const read = [
      ...facts.inputRefs.map((r) => `inputs.${r}`),
      ...facts.outputRefs.map((r) => `outputs.${r}`),
      ...facts.varRefs.map((r) => `vars.${r}`),
      ...facts.locals,
    ];
    if (facts.problem)
      problems.push({ path, message: `${path} has an invalid expression {{ ${expr} }}: ${facts.problem}`, ...(facts.hint ? { hint: facts.hint } : {}) });
    else if (read.length || /(?<![.\w])run\s*\./.test(expr))
      problems.push({
        path,
        message: `${path} reads ${read[0] ?? 'run'}, but a trigger's expressions see only trigger (the event that fired it)`,
        hint: 'e.g. {{ trigger.scheduledAt }}; the run does not exist yet',
      });
    if (facts.secrets.length) problems.push({ path, message: `${path} calls secret(), which is not allowed in a trigger` });
    problems.push(...triggerFieldProblems(facts.triggerRefs, path, kind));
  }
  return problems;
}

/** `trigger.x` where x is not a field of this trigger type's event: a typo, or a field of another type. */
function triggerFieldProblems(refs: readonly string[], path: string, kind: TriggerKind): ValidationProblem[] {
  const fields: readonly string[] = TRIGGER_EVENT_FIELDS[kind];
  return [...new Set(refs)]
    .filter((ref) => !fields.includes(ref))
    .map((ref) => {
      const guess = closest(ref, fields);
      return {
        path,
        message: `${path} reads trigger.${ref}, but a ${kind} trigger's event has no field "${ref}"`,
        hint: `${guess ? `did you mean "trigger.${guess}"? ` : ''}fields of a ${kind} trigger: ${fields.join(', ')}`,
      };
    });
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The schedule triggers of a flow, whatever their `enabled`. */
export function scheduleTriggers(triggers: readonly Trigger[] | undefined): ScheduleTrigger[] {
  return (triggers ?? []).filter((t): t is ScheduleTrigger => t.type === 'schedule');
}
