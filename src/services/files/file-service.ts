// Namespace files: put, list, get and remove them (CLI `weft file`, MCP `manage_files`, the JSON
// API), within bounds, and read them for the script tasks that list them in `files:`. A file
// belongs to one namespace; only that namespace's flows see it.

import { createHash } from 'node:crypto';
import { WeftError } from '../../core/errors.js';
import { FILE_PATH_RULE, filePathProblem } from '../../core/spec/file-paths.js';
import { NAMESPACE_PATTERN } from '../../core/spec/schemas.js';
import type { FileInfo, NamespaceFileStore } from './file-store.js';

export type { FileInfo };

const MiB = 2 ** 20;
/** Largest namespace file, bytes. */
export const MAX_FILE_BYTES = 10 * MiB;
/** Most bytes of all files of one namespace together. */
export const MAX_NAMESPACE_FILE_BYTES = 100 * MiB;
/** Most files in one namespace. */
export const MAX_NAMESPACE_FILES = 1000;

/** Thrown when a namespace or path is not one a file may have. */
export class InvalidFileError extends WeftError {
  constructor(message: string, hint: string = `write ${FILE_PATH_RULE}`) {
    super('INVALID_FILE', message, { hint });
  }
}

/** Thrown when a file is over MAX_FILE_BYTES. */
export class FileTooLargeError extends WeftError {
  constructor(
    readonly path: string,
    readonly bytes: number,
  ) {
    super('FILE_TOO_LARGE', `file ${path} is ${bytes} bytes, over the limit of ${MAX_FILE_BYTES} bytes (10 MiB)`, {
      hint: 'split it, or have the script fetch it with a network grant',
    });
  }
}

/** Thrown when a put would take a namespace past MAX_NAMESPACE_FILES or MAX_NAMESPACE_FILE_BYTES. */
export class NamespaceFilesFullError extends WeftError {
  constructor(namespace: string, detail: string) {
    super('NAMESPACE_FILES_FULL', `namespace ${namespace} cannot take this file: ${detail}`, {
      hint: `remove files it no longer needs (weft file list ${namespace}, weft file remove ${namespace} PATH)`,
    });
  }
}

/** Thrown when a path would be a file and a folder at once (`a` beside `a/b`). */
export class FilePathConflictError extends WeftError {
  constructor(path: string, other: string) {
    super('FILE_PATH_CONFLICT', `file ${path} conflicts with file ${other}: one would be a folder of the other`, {
      hint: `remove ${other} first, or choose another path`,
    });
  }
}

/** Thrown when a file is not in its namespace. */
export class FileNotFoundError extends WeftError {
  constructor(
    readonly namespace: string,
    readonly path: string,
  ) {
    super('FILE_NOT_FOUND', `file ${path} is not in namespace ${namespace}`, { hint: `list its files with weft file list ${namespace}` });
  }
}

/** Reads the files a script task lists: what the worker's script activity needs of the service. */
export interface NamespaceFileReader {
  read(namespace: string, path: string): Promise<{ info: FileInfo; data: Buffer } | undefined>;
  info(namespace: string, path: string): Promise<FileInfo | undefined>;
}

export class FileService implements NamespaceFileReader {
  constructor(private readonly files: NamespaceFileStore) {}

  async put(namespace: string, path: string, data: Buffer): Promise<{ file: FileInfo; created: boolean }> {
    checkNamespace(namespace);
    checkPath(path);
    if (data.length > MAX_FILE_BYTES) throw new FileTooLargeError(path, data.length);
    const existing = await this.files.list(namespace);
    const conflict = existing.find((f) => f.path.startsWith(`${path}/`) || path.startsWith(`${f.path}/`));
    if (conflict) throw new FilePathConflictError(path, conflict.path);
    const others = existing.filter((f) => f.path !== path);
    if (others.length === existing.length && existing.length >= MAX_NAMESPACE_FILES)
      throw new NamespaceFilesFullError(namespace, `it holds ${existing.length} files, the most one namespace may hold`);
    const used = others.reduce((sum, f) => sum + f.bytes, 0);
    if (used + data.length > MAX_NAMESPACE_FILE_BYTES)
      throw new NamespaceFilesFullError(
        namespace,
        `its files would take ${used + data.length} bytes, over the limit of ${MAX_NAMESPACE_FILE_BYTES} bytes (100 MiB) for one namespace`,
      );
    const sha256 = createHash('sha256').update(data).digest('hex');
    const { info, created } = await this.files.write(namespace, path, data, sha256);
    return { file: info, created };
  }

  async list(namespace: string): Promise<FileInfo[]> {
    checkNamespace(namespace);
    return this.files.list(namespace);
  }

  /** A file with its bytes; FileNotFoundError when it is not there. */
  async get(namespace: string, path: string): Promise<{ file: FileInfo; data: Buffer }> {
    checkNamespace(namespace);
    checkPath(path);
    const found = await this.files.read(namespace, path);
    if (!found) throw new FileNotFoundError(namespace, path);
    return { file: found.info, data: found.data };
  }

  /** Removes a file; answers what it was. */
  async remove(namespace: string, path: string): Promise<FileInfo> {
    checkNamespace(namespace);
    checkPath(path);
    const info = await this.files.info(namespace, path);
    if (!info || !(await this.files.remove(namespace, path))) throw new FileNotFoundError(namespace, path);
    return info;
  }

  read(namespace: string, path: string): Promise<{ info: FileInfo; data: Buffer } | undefined> {
    return this.files.read(namespace, path);
  }

  info(namespace: string, path: string): Promise<FileInfo | undefined> {
    return this.files.info(namespace, path);
  }
}

function checkNamespace(namespace: string): void {
  if (!NAMESPACE_PATTERN.test(namespace))
    throw new InvalidFileError(
      `namespace ${JSON.stringify(namespace)} must be lowercase letters, digits, ".", "_" and "-", at most 128`,
      'use the namespace of the flows whose script tasks list the file, e.g. team.data',
    );
}

function checkPath(path: string): void {
  const problem = filePathProblem(path);
  if (problem) throw new InvalidFileError(`file path ${JSON.stringify(path)} ${problem}`);
}
