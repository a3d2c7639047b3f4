// Where 0.1.0 runs stored large outputs: one JSON file each in the worker's data directory,
// addressed by a `$weftOutputRef` in history. 0.2.0 runs keep large values in the store instead
// (claim-check-store.ts); the run service reads these so that such a run can still be shown.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WeftError } from '../../core/errors.js';
import type { StoredOutputRef } from '../../core/runs/run-types.js';

const SCHEME = 'weft-output:';

export class OutputNotFoundError extends WeftError {
  constructor(ref: string) {
    super('OUTPUT_NOT_FOUND', `stored output ${ref} does not exist`, { hint: 'outputs are kept in the data directory of the worker that stored them' });
  }
}

export class OutputStore {
  constructor(private readonly dir: string) {}

  async put(runId: string, name: string, value: unknown): Promise<StoredOutputRef> {
    const text = JSON.stringify(value);
    const ref = `${SCHEME}${encodeURIComponent(runId)}/${encodeURIComponent(name)}`;
    await mkdir(join(this.dir, encodeURIComponent(runId)), { recursive: true });
    await writeFile(this.fileOf(ref), text);
    return { $weftOutputRef: ref, bytes: Buffer.byteLength(text) };
  }

  async get(ref: string): Promise<unknown> {
    if (!ref.startsWith(SCHEME) || ref.includes('..')) throw new OutputNotFoundError(ref);
    try {
      return JSON.parse(await readFile(this.fileOf(ref), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new OutputNotFoundError(ref);
      throw error;
    }
  }

  private fileOf(ref: string): string {
    const [run, name] = ref.slice(SCHEME.length).split('/');
    return join(this.dir, run ?? '', `${name ?? ''}.json`);
  }
}

export function isStoredOutputRef(value: unknown): value is StoredOutputRef {
  return value !== null && typeof value === 'object' && typeof (value as StoredOutputRef).$weftOutputRef === 'string';
}
