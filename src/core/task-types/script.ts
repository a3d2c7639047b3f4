// `script`: a bash, python or node script in a subprocess, run by the `runScript` activity.

import { z } from 'zod';
import type { ValidationProblem } from '../errors.js';
import { parseByteSize } from '../spec/byte-size.js';
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
const PipRequirement = z
  .string()
  .max(200)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?\s*((===?|~=|!=|<=?|>=?)\s*[A-Za-z0-9.*+!_-]+\s*,?\s*)*$/,
    'must be a package name with optional extras and versions, e.g. requests==2.32.3 or pandas>=2,<3 (no options, paths or URLs)',
  );

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
    dependencies: z.array(PipRequirement).min(1).max(100).optional(),
    /** Asks for the container runner, which this build does not have: `check` says what it would take. */
    image: z.string().max(500).optional(),
  },
  output: '{ exitCode, outputs, stdoutTail, stderrTail } (outputs: JSON objects printed as `::weft-output::{...}` lines or written to $WEFT_OUTPUT)',
  example: { id: 'count', type: 'script', language: 'python', script: 'import json\nprint("::weft-output::" + json.dumps({"count": 3}))' },
  defaultTimeout: '10m',
  cacheable: true,
  nonRetryable: ['ScriptSetupError', 'ScriptMemoryExceeded'],
  activity: 'runScript',
  secretFields: ['env'],
  rawFields: ['script', 'language', 'network', 'resources', 'image', 'dependencies'],
  check: checkRunner,
});

/** A task with `image` asks for a container runner; workers of this build run scripts in the bubblewrap sandbox or as processes only. */
function checkRunner(task: Record<string, unknown>, path: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (task.dependencies !== undefined && task.language !== 'python')
    problems.push({
      path: `${path}.dependencies`,
      message: `${path}.dependencies is supported for python scripts only (got language ${String(task.language)})`,
      hint: 'use language: python, or install what a bash or node script needs beforehand on the workers',
    });
  if (task.image === undefined) return problems;
  return [
    ...problems,
    {
      path: `${path}.image`,
      message: `${path}.image asks for the container runner, which is not available: Weft runs scripts in the bubblewrap sandbox (WEFT_SCRIPT_RUNNER=sandbox) or as plain processes, and has no container runner yet`,
      hint: 'remove image and list the packages the script needs in the script itself; a container runner would need podman or docker (Debian: apt-get install podman) on every worker',
    },
  ];
}
