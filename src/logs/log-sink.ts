// Where run log lines go. This first sink appends JSON lines to one file per run in the data
// directory; the searchable store replaces it with the registry work.

import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogLine } from '../../activities/types.js';

export interface LogSink {
  write(lines: readonly LogLine[]): Promise<void>;
}

export class FileLogSink implements LogSink {
  constructor(private readonly dir: string) {}

  async write(lines: readonly LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    const byRun = new Map<string, string>();
    for (const line of lines) byRun.set(line.runId, (byRun.get(line.runId) ?? '') + `${JSON.stringify(line)}\n`);
    await mkdir(this.dir, { recursive: true });
    await Promise.all([...byRun].map(([runId, text]) => appendFile(this.fileOf(runId), text)));
  }

  async read(runId: string): Promise<LogLine[]> {
    try {
      const text = await readFile(this.fileOf(runId), 'utf8');
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LogLine);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private fileOf(runId: string): string {
    return join(this.dir, `${encodeURIComponent(runId)}.jsonl`);
  }
}
