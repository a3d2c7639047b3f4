// What a script attempt reads and logs before its script starts: the namespace files its task
// lists (a missing one fails the task naming it), and the lines of a dependency build, written to
// the run's logs as they come so a long install shows its progress.

import type { LogLine, ScriptInput } from '../src/core/runs/activity-io.js';
import { filePathProblem } from '../src/core/spec/file-paths.js';
import type { NamespaceFileReader } from '../src/services/files/file-service.js';
import type { LogSink } from '../src/services/logs/log-sink.js';
import type { PlacedFile } from './script-attempt.js';

/** Why the task's files cannot be placed; a ScriptSetupError of the task. */
export class TaskFilesError extends Error {}

/** The task's namespace files with their bytes, read from the store. */
export async function readTaskFiles(input: ScriptInput, files: NamespaceFileReader | undefined): Promise<PlacedFile[]> {
  const listed = input.files;
  if (!listed?.paths.length) return [];
  if (!files)
    throw new TaskFilesError('files: this worker has no store to read namespace files from; run the task on a worker started by weft worker or weft dev');
  // Validation said all this when the flow was saved; an input that did not come through it is checked again.
  if (input.workingDir !== undefined)
    throw new TaskFilesError('files: cannot be combined with workingDir: the files are placed in the task’s own work directory');
  const placed: PlacedFile[] = [];
  for (const [i, path] of listed.paths.entries()) {
    const problem = filePathProblem(path);
    if (problem) throw new TaskFilesError(`files[${i}] ${JSON.stringify(path)} ${problem}`);
    const found = await files.read(listed.namespace, path);
    if (!found)
      throw new TaskFilesError(
        `files[${i}] ${path} is not in namespace ${listed.namespace}: put it with weft file put ${listed.namespace} ${path} --from LOCAL_FILE, or remove it from files`,
      );
    placed.push({ path, data: found.data });
  }
  return placed;
}

/** How many lines wait before they are written, and for how long at most (ms). */
const BATCH_LINES = 20;
const BATCH_MS = 500;

/** Writes an attempt's setup lines to the run's logs in small batches while the setup goes on. */
export class SetupLines {
  private pending: LogLine[] = [];
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly input: ScriptInput,
    private readonly logs: LogSink,
  ) {}

  readonly add = (message: string): void => {
    const { context } = this.input;
    const key = `${context.taskId}${context.iteration ? `[${context.iteration.join(',')}]` : ''}`;
    this.count += 1;
    const line: LogLine = {
      id: `${context.runId}|${key}#${context.attempt}|setup|${this.count}`,
      runId: context.runId,
      flow: context.flow ?? '',
      taskId: context.taskId,
      attempt: context.attempt,
      level: 'info',
      message,
      time: new Date().toISOString(),
    };
    this.pending.push(context.iteration ? { ...line, iteration: context.iteration } : line);
    if (this.pending.length >= BATCH_LINES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  };

  /** Writes what is left and waits for every write; a failed write costs lines, never the task. */
  async done(): Promise<void> {
    this.flush();
    await this.writing;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0);
    if (batch.length) this.writing = this.writing.then(() => this.logs.write(batch)).catch(() => undefined);
  }
}
