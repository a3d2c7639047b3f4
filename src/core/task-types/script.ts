// `script`: a bash, python or node script in a subprocess, run by the `runScript` activity.

import { z } from 'zod';
import type { ValidationProblem } from '../errors.js';
import { parseByteSize } from '../spec/byte-size.js';
import { FILE_PATH_RULE, filePathProblem } from '../spec/file-paths.js';
import { describeTaskType } from './descriptor.js';
import { DurationText, TextMap } from './fields.js';

/** A host a script may reach: a name, `*.domain`, or `host:port` (as the operator's host lists). */
const NetworkHost = z
  .string()
  .regex(
    /^(\*\.)?(\[[0-9a-fA-F:.]+\]|[^:/\s[\]@*]+)(:\d{1,5})?$/,
    'must be a host name, *.domain or host:port (e.g. pypi.org, *.example.org, api.example.org:8443)',
  );

/** A pip requirement: a package name with optional extras and version specifiers, never an option, path or URL. */
const PIP_REQUIREMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?\s*((===?|~=|!=|<=?|>=?)\s*[A-Za-z0-9.*+!_-]+\s*,?\s*)*$/;

/**
 * An npm package: a name, optionally @scoped, with an optional version, range or tag after `@`;
 * never an option, path, URL, git reference or alias (no `:`, no `/` past the scope, no word of a
 * range that starts with `-` but the `-` of `1.2.0 - 1.4.0`).
 */
const NPM_RANGE_WORD = '(-|[A-Za-z0-9.^~<>=*|+][A-Za-z0-9.^~<>=*|+-]*)';
const NPM_PACKAGE = new RegExp(`^(@[a-z0-9][a-z0-9._-]*/)?[A-Za-z0-9][A-Za-z0-9._-]*(@${NPM_RANGE_WORD}( ${NPM_RANGE_WORD})*)?$`);

/** How each language's dependencies are written; bash has none. */
const DEPENDENCY_RULES = {
  python: [PIP_REQUIREMENT, 'must be a package name with optional extras and versions, e.g. requests==2.32.3 or pandas>=2,<3 (no options, paths or URLs)'],
  node: [
    NPM_PACKAGE,
    'must be an npm package name, optionally @scope/name, with an optional version, range or tag, e.g. is-number@7.0.0 or @scope/pkg@^2 (no options, paths, URLs or git)',
  ],
} as const;

/** An image reference (`[registry/]name[:tag][@digest]`), never an option: it goes on the engine's command line. */
const IMAGE_REFERENCE = /^[a-z0-9][a-z0-9._\-/:]*(@sha256:[a-f0-9]{64})?$/i;

const ByteSize = z
  .union([z.number(), z.string()])
  .refine(
    (v) => parseByteSize(v) !== undefined && (parseByteSize(v) ?? 0) > 0,
    'must be a size in bytes > 0, such as 268435456 or 256Mi (Ki, Mi, Gi; k, M, G)',
  );

/** Per-task limits; the worker caps each at its operator's ceiling and fills the rest from its defaults. */
export const ScriptResources = z
  .object({
    memory: ByteSize.optional().describe('memory of all its processes together, e.g. 512Mi'),
    cpuTime: DurationText.optional().describe('CPU time of each process, e.g. 30s'),
    processes: z.number().int().min(1).max(100_000).optional().describe('processes and threads at once'),
    outputBytes: ByteSize.optional().describe('stdout and stderr logged; beyond it the output is cut'),
  })
  .strict();

export const script = describeTaskType({
  name: 'script',
  description: 'Runs a bash, python or node script in a subprocess; output { exitCode, outputs, stdoutTail, stderrTail }.',
  config: {
    language: z.enum(['bash', 'python', 'node']),
    script: z
      .string()
      .min(1)
      .max(1024 * 1024),
    env: TextMap.optional(),
    workingDir: z.string().max(4096).optional(),
    network: z.union([z.boolean(), z.array(NetworkHost).min(1).max(100)]).optional(),
    resources: ScriptResources.optional(),
    dependencies: z
      .array(z.string().min(1).max(300))
      .min(1)
      .max(100)
      .optional()
      .describe('python: pip requirements; node: npm packages (name@version); installed once per set, outside the sandbox'),
    files: z
      .array(z.string().max(300))
      .min(1)
      .max(100)
      .optional()
      .describe("paths of the flow namespace's files (weft file put), placed read-only in the work directory"),
    image: z
      .string()
      .max(500)
      .regex(IMAGE_REFERENCE, 'must be an image reference such as python:3.12-slim, registry.example.org/team/tool:1.4 or name@sha256:<digest>')
      .optional()
      .describe('container image to run the script in (podman or docker on the worker)'),
  },
  output: '{ exitCode, outputs, stdoutTail, stderrTail } (outputs: JSON objects printed as `::weft-output::{...}` lines or written to $WEFT_OUTPUT)',
  example: { id: 'count', type: 'script', language: 'python', script: 'import json\nprint("::weft-output::" + json.dumps({"count": 3}))' },
  defaultTimeout: '10m',
  cacheable: true,
  nonRetryable: ['ScriptSetupError', 'ScriptMemoryExceeded'],
  activity: 'runScript',
  secretFields: ['env'],
  rawFields: ['script', 'language', 'network', 'resources', 'image', 'dependencies', 'files'],
  check: checkRunner,
});

/**
 * Rules the field schemas cannot say: dependencies as the task's language writes them, namespace
 * file paths, and that a task with `image` takes no dependencies. Whether a container engine is
 * there is checked where the flow is validated (services/flows/image-check.ts): the core does no I/O.
 */
function checkRunner(task: Record<string, unknown>, path: string): ValidationProblem[] {
  const problems = [...checkDependencies(task, path), ...checkFiles(task, path)];
  if (task.image !== undefined && task.dependencies !== undefined)
    problems.push({
      path: `${path}.dependencies`,
      message: `${path}.dependencies cannot be combined with image: the image carries what the script needs`,
      hint: 'install the packages in the image (or use an image that has them), or leave image out to have Weft install dependencies',
    });
  return problems;
}

function checkDependencies(task: Record<string, unknown>, path: string): ValidationProblem[] {
  if (!Array.isArray(task.dependencies)) return [];
  const language = task.language;
  if (language !== 'python' && language !== 'node')
    return [
      {
        path: `${path}.dependencies`,
        message: `${path}.dependencies is supported for python and node scripts only (got language ${String(language)})`,
        hint: 'use language: python or node, or install what a bash script needs beforehand on the workers',
      },
    ];
  const [pattern, rule] = DEPENDENCY_RULES[language];
  return task.dependencies.flatMap((spec, i) =>
    typeof spec === 'string' && !pattern.test(spec)
      ? [{ path: `${path}.dependencies[${i}]`, message: `${path}.dependencies[${i}] ${rule} (got ${JSON.stringify(spec)})` }]
      : [],
  );
}

/** Namespace files are placed in the task's private work directory, which `workingDir` replaces. */
function checkFiles(task: Record<string, unknown>, path: string): ValidationProblem[] {
  if (!Array.isArray(task.files)) return [];
  const problems: ValidationProblem[] = task.files.flatMap((file, i) => {
    const problem = typeof file === 'string' ? filePathProblem(file) : undefined;
    return problem ? [{ path: `${path}.files[${i}]`, message: `${path}.files[${i}] ${JSON.stringify(file)} ${problem}`, hint: `write ${FILE_PATH_RULE}` }] : [];
  });
  if (task.workingDir !== undefined)
    problems.push({
      path: `${path}.files`,
      message: `${path}.files cannot be combined with workingDir: namespace files are placed read-only in the task's own work directory`,
      hint: 'leave workingDir out, or copy what the script needs into workingDir beforehand',
    });
  return problems;
}
