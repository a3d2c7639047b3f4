// manage_files: a namespace's files, which script tasks list in `files:` and find read-only in
// their work directory. One tool for put, list, get and remove keeps tools/list small. Reading
// needs the namespace; writing also the right to use scripts, since a file changes what they read.

import { z } from 'zod';
import { WeftError } from '../../src/core/errors.js';
import type { FileInfo, FileService } from '../../src/services/files/file-service.js';
import { namespaceAllowed } from '../access.js';
import { defineTool, type ToolContext } from '../tool-registry.js';
import { AccessDeniedError } from './flow-tools.js';

/** Thrown when this server has no file service behind it. */
export class FilesUnavailableError extends WeftError {
  constructor() {
    super('FILES_UNAVAILABLE', 'namespace files are not served by this MCP server: it has no store behind it', {
      hint: 'use the MCP endpoint of weft server or weft dev',
    });
  }
}

/** Thrown when manage_files misses what its action needs. */
export class InvalidFileArgumentsError extends WeftError {
  constructor(message: string) {
    super('INVALID_ARGUMENTS', message, { hint: 'put: path and content; get and remove: path; list: namespace only' });
  }
}

/** Bytes of a file one `get` answers; `nextOffset` pages on (base64 makes it about 32 KB). */
export const FILE_PAGE_BYTES = 24_000;
/**
 * Longest `content` taken, in characters: below the SDK's 10 MiB stdio message bound, so a call
 * past it is answered with this field's bound instead of a closed connection. Over HTTP the request
 * body bound (2 MiB) comes first. Larger files go through `weft file put`.
 */
export const MAX_CONTENT_CHARS = 8 * 2 ** 20;

const FileView = z.object({ namespace: z.string(), path: z.string(), bytes: z.number(), sha256: z.string(), updatedAt: z.string() });

export const manageFiles = defineTool({
  name: 'manage_files',
  title: 'Manage files',
  description: 'Namespace files, read-only in script tasks that list them (files:).',
  input: {
    action: z.enum(['put', 'list', 'get', 'remove']),
    namespace: z.string().max(128),
    path: z.string().max(300).optional(),
    content: z.string().max(MAX_CONTENT_CHARS, `must be at most ${MAX_CONTENT_CHARS} characters: put larger files with weft file put --from`).optional(),
    base64: z.boolean().optional(),
    offset: z.number().int().min(0).optional(),
  },
  output: {
    files: z.array(FileView).optional(),
    file: FileView.optional(),
    content: z.string().optional(),
    base64: z.boolean().optional(),
    nextOffset: z.number().optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
  auditArguments: ({ content, ...rest }) =>
    rest.action === 'put' || rest.action === 'remove' ? { ...rest, contentChars: String(content ?? '').length } : undefined,
  async run(args, _call, ctx) {
    const { action, namespace } = args;
    const files = filesOf(ctx);
    checkAccess(ctx, namespace, action === 'put' || action === 'remove');
    if (action === 'list') {
      const listed = await files.list(namespace);
      return { structured: { files: listed }, summary: `${listed.length} files in ${namespace}` };
    }
    const path = args.path;
    if (path === undefined) throw new InvalidFileArgumentsError(`manage_files ${action} needs path`);
    if (action === 'put') {
      if (args.content === undefined) throw new InvalidFileArgumentsError('manage_files put needs content (text, or base64 with base64: true)');
      const data = args.base64 ? Buffer.from(args.content, 'base64') : Buffer.from(args.content, 'utf8');
      const { file, created } = await files.put(namespace, path, data);
      return { structured: { file }, summary: `${created ? 'put' : 'replaced'} ${namespace}/${path} (${file.bytes} bytes)` };
    }
    if (action === 'remove') {
      const file = await files.remove(namespace, path);
      return { structured: { file }, summary: `removed ${namespace}/${path}` };
    }
    const { file, data } = await files.get(namespace, path);
    return page(file, data, args.offset ?? 0);
  },
});

/** One page of a file: UTF-8 text when the whole file is, else base64; `nextOffset` when more follows. */
function page(file: FileInfo, data: Buffer, offset: number) {
  const text = isUtf8(data);
  let end = Math.min(data.length, offset + FILE_PAGE_BYTES);
  // A page of text ends on a character boundary.
  if (text) while (end < data.length && end > offset && ((data[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  const slice = data.subarray(offset, end);
  const more = end < data.length ? { nextOffset: end } : {};
  const content = text ? slice.toString('utf8') : slice.toString('base64');
  return {
    structured: { file, content, ...(text ? {} : { base64: true }), ...more },
    summary: `${file.namespace}/${file.path}: bytes ${offset}-${end} of ${file.bytes}${end < data.length ? `, more from offset ${end}` : ''}`,
  };
}

function isUtf8(data: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return !data.includes(0);
  } catch {
    return false;
  }
}

function filesOf(ctx: ToolContext): FileService {
  if (!ctx.services.files) throw new FilesUnavailableError();
  return ctx.services.files;
}

function checkAccess(ctx: ToolContext, namespace: string, writes: boolean): void {
  if (!namespaceAllowed(ctx.access, namespace))
    throw new AccessDeniedError(`namespace "${namespace}" is outside this API key's namespace`, `use files of namespace ${ctx.access.namespace}`);
  if (writes && !ctx.access.scriptsAllowed)
    throw new AccessDeniedError(
      `files of namespace ${namespace} are read by its script tasks, and this API key may not use script tasks, so it may not put or remove them`,
      'use an admin key or one created with --allow-scripts',
    );
}

export const FILE_TOOLS = [manageFiles] as const;
