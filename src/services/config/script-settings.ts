// The operator's settings of script tasks, read from the environment by loadConfig: the limits
// every script gets unless its task asks for less or more (`WEFT_SCRIPT_LIMITS`), the ceilings no
// task can pass (`WEFT_SCRIPT_LIMITS_MAX`), the network policy and where `workingDir` may point.

import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { formatByteSize, parseByteSize } from '../../core/spec/byte-size.js';
import { parseDuration } from '../../core/spec/duration.js';
import { CONTAINER_ENGINE_CHOICES, type ContainerEngineChoice } from '../containers/container-engine.js';

/** Limits of one script attempt, resolved to numbers. */
export interface ScriptLimits {
  /** Memory of all its processes together (a cgroup's limit), bytes. */
  memoryBytes: number;
  /** CPU time of each of its processes (RLIMIT_CPU), seconds. */
  cpuSeconds: number;
  /** Processes and threads at once (a cgroup's pids.max). */
  processes: number;
  /** stdout and stderr bytes logged; the rest is counted and dropped. */
  outputBytes: number;
  /** Largest file a script may write (RLIMIT_FSIZE), bytes; operator only. */
  fileBytes: number;
  /** Largest `$WEFT_OUTPUT` file read, bytes; operator only. */
  outputFileBytes: number;
}

/** `WEFT_SCRIPT_NETWORK`: `granted` (a task's `network` grant applies), `off` (grants refused), `on` (every script as if `network: true`). */
export const SCRIPT_NETWORK_POLICIES = ['granted', 'off', 'on'] as const;
export type ScriptNetworkPolicy = (typeof SCRIPT_NETWORK_POLICIES)[number];

export interface ScriptSettings {
  /** WEFT_SCRIPT_LIMITS over the built-in defaults. */
  defaults: ScriptLimits;
  /** WEFT_SCRIPT_LIMITS_MAX over the built-in ceilings; never below the defaults. */
  ceilings: ScriptLimits;
  /** WEFT_SCRIPT_NETWORK, default granted. */
  network: ScriptNetworkPolicy;
  /** WEFT_SCRIPT_WORKING_DIRS: directories (absolute) a sandboxed task's `workingDir` may lie in, read-write; default none. */
  workingDirs: string[];
  /** WEFT_CONTAINER_ENGINE: what runs tasks with `image`, default auto (podman, else docker). */
  containerEngine: ContainerEngineChoice;
  /** WEFT_CONTAINER_PULL: `missing` (default: the engine pulls an image it lacks) or `never` (only images already on the worker). */
  containerPull: ContainerPull;
}

/** `WEFT_CONTAINER_PULL`: whether the engine may pull an image a task names and the worker lacks. */
export const CONTAINER_PULLS = ['missing', 'never'] as const;
export type ContainerPull = (typeof CONTAINER_PULLS)[number];

const GiB = 2 ** 30;
const MiB = 2 ** 20;
/** Built-in defaults of every script attempt. */
export const DEFAULT_SCRIPT_LIMITS: ScriptLimits = {
  memoryBytes: GiB,
  cpuSeconds: 600,
  processes: 512,
  outputBytes: 64 * MiB,
  fileBytes: GiB,
  outputFileBytes: 32 * MiB,
};
/** Built-in ceilings: what a task may ask for when the operator says nothing. */
export const DEFAULT_SCRIPT_CEILINGS: ScriptLimits = {
  memoryBytes: 8 * GiB,
  cpuSeconds: 24 * 3600,
  processes: 4096,
  outputBytes: GiB,
  fileBytes: GiB,
  outputFileBytes: 32 * MiB,
};

const KEYS = {
  memory: ['memoryBytes', 'a size such as 512Mi'],
  cpuTime: ['cpuSeconds', 'a duration such as 10m'],
  processes: ['processes', 'a whole number >= 1'],
  outputBytes: ['outputBytes', 'a size such as 64Mi'],
  fileBytes: ['fileBytes', 'a size such as 1Gi'],
  outputFileBytes: ['outputFileBytes', 'a size such as 32Mi'],
} as const satisfies Record<string, readonly [keyof ScriptLimits, string]>;

/** Reads the script settings; a malformed value throws a ConfigError naming the variable. */
export function loadScriptSettings(env: NodeJS.ProcessEnv): ScriptSettings {
  const value = (name: string) => env[name]?.trim() || undefined;
  const defaults = limitsFrom(value('WEFT_SCRIPT_LIMITS'), 'WEFT_SCRIPT_LIMITS', DEFAULT_SCRIPT_LIMITS);
  const ceilings = limitsFrom(value('WEFT_SCRIPT_LIMITS_MAX'), 'WEFT_SCRIPT_LIMITS_MAX', maxOf(DEFAULT_SCRIPT_CEILINGS, defaults));
  for (const [key, [field]] of Object.entries(KEYS)) {
    if (defaults[field] > ceilings[field])
      throw new ConfigError(
        `WEFT_SCRIPT_LIMITS ${key} must be at most its ceiling in WEFT_SCRIPT_LIMITS_MAX (got ${shown(field, defaults[field])} over ${shown(field, ceilings[field])})`,
      );
  }
  const network = value('WEFT_SCRIPT_NETWORK') ?? 'granted';
  if (!(SCRIPT_NETWORK_POLICIES as readonly string[]).includes(network))
    throw new ConfigError(
      `WEFT_SCRIPT_NETWORK must be one of ${SCRIPT_NETWORK_POLICIES.join(', ')} (got "${network}")`,
      'leave it unset to let tasks ask with network:',
    );
  const workingDirs = (value('WEFT_SCRIPT_WORKING_DIRS') ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  for (const dir of workingDirs)
    if (!isAbsolute(dir)) throw new ConfigError(`WEFT_SCRIPT_WORKING_DIRS entry "${dir}" must be an absolute path`, 'e.g. /srv/weft-work,/data/shared');
  const containerEngine = oneOf(
    value('WEFT_CONTAINER_ENGINE') ?? 'auto',
    'WEFT_CONTAINER_ENGINE',
    CONTAINER_ENGINE_CHOICES,
    'leave it unset to use podman, else docker, found on PATH',
  );
  const containerPull = oneOf(
    value('WEFT_CONTAINER_PULL') ?? 'missing',
    'WEFT_CONTAINER_PULL',
    CONTAINER_PULLS,
    'leave it unset to let the engine pull an image it lacks',
  );
  return { defaults, ceilings, network: network as ScriptNetworkPolicy, workingDirs: workingDirs.map((d) => resolve(d)), containerEngine, containerPull };
}

function oneOf<T extends string>(text: string, name: string, allowed: readonly T[], hint: string): T {
  if (!(allowed as readonly string[]).includes(text)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got "${text}")`, hint);
  return text as T;
}

/** The settings of a worker whose operator said nothing. */
export function defaultScriptSettings(): ScriptSettings {
  return {
    defaults: { ...DEFAULT_SCRIPT_LIMITS },
    ceilings: { ...DEFAULT_SCRIPT_CEILINGS },
    network: 'granted',
    workingDirs: [],
    containerEngine: 'auto',
    containerPull: 'missing',
  };
}

function limitsFrom(text: string | undefined, name: string, base: ScriptLimits): ScriptLimits {
  const limits = { ...base };
  for (const part of (text ?? '').split(',')) {
    if (!part.trim()) continue;
    const [rawKey = '', raw = ''] = part.split('=', 2).map((s) => s.trim());
    const entry = (KEYS as Record<string, readonly [keyof ScriptLimits, string]>)[rawKey];
    if (!entry) throw new ConfigError(`${name} key "${rawKey}" is not one of ${Object.keys(KEYS).join(', ')}`, 'e.g. memory=512Mi,cpuTime=10m,processes=256');
    const [field, valid] = entry;
    const parsed = parseLimit(field, raw);
    if (parsed === undefined || parsed <= 0) throw new ConfigError(`${name} ${rawKey} must be ${valid} (got "${raw}")`);
    limits[field] = parsed;
  }
  return limits;
}

function parseLimit(field: keyof ScriptLimits, raw: string): number | undefined {
  if (field === 'cpuSeconds') {
    const ms = parseDuration(raw);
    return ms === undefined ? undefined : Math.ceil(ms / 1000);
  }
  if (field === 'processes') return /^\d+$/.test(raw) ? Number(raw) : undefined;
  return parseByteSize(raw);
}

function maxOf(a: ScriptLimits, b: ScriptLimits): ScriptLimits {
  const out = { ...a };
  for (const key of Object.keys(a) as (keyof ScriptLimits)[]) out[key] = Math.max(a[key], b[key]);
  return out;
}

/** A limit as people write it, for messages. */
export function shown(field: keyof ScriptLimits, value: number): string {
  if (field === 'cpuSeconds') return `${value}s`;
  if (field === 'processes') return `${value}`;
  return formatByteSize(value);
}
