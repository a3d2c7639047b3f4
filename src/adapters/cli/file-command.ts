// `weft file put|list|get|remove`: files of a namespace, which its script tasks list in `files:`
// and find read-only in their work directory. The local user is admin; writes are audited like
// the same calls through MCP (`manage_files`), with the file's size and digest, never its bytes.

import { readFile, stat, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { WeftError } from '../../core/errors.js';
import { type FileInfo, FileTooLargeError, MAX_FILE_BYTES } from '../../services/files/file-service.js';
import { auditedCommand } from '../../services/security/audit-cli.js';
import { printResult, runCommand } from './output.js';
import { withServices } from './with-services.js';

export function registerFileCommand(program: Command): void {
  const file = program.command('file').description('manage namespace files: a script task that lists one in files: finds it read-only in its work directory');
  file
    .command('put <namespace> <path>')
    .description('put a file (at most 10 MiB; 100 MiB per namespace), read from --from or standard input; replaces one at the same path')
    .option('--from <local>', 'the local file to read (default: standard input)')
    .option('--json', 'print { file: { namespace, path, bytes, sha256, updatedAt }, created }')
    .action((namespace: string, path: string, options: { from?: string; json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const data = await readLocal(path, options.from);
          const result = await auditedCommand(
            () => ctx.audit(),
            { tool: 'manage_files', arguments: { action: 'put', namespace, path, bytes: data.length } },
            async () => (await ctx.files()).put(namespace, path, data),
            (r) => ({ summary: `${r.created ? 'put' : 'replaced'} ${namespace}/${path} (${r.file.bytes} bytes, sha256 ${r.file.sha256})` }),
          );
          printResult(options, result, () => `${result.created ? 'put' : 'replaced'} ${namespace}/${path} (${result.file.bytes} bytes)`);
          return 0;
        }),
      ),
    );
  file
    .command('list <namespace>')
    .description("list a namespace's files with their sizes and digests")
    .option('--json', 'print { files: [{ namespace, path, bytes, sha256, updatedAt }] }')
    .action((namespace: string, options: { json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const files = await (await ctx.files()).list(namespace);
          printResult(options, { files }, () => files.map(fileLine).join('\n') || `no files in namespace ${namespace}`);
          return 0;
        }),
      ),
    );
  file
    .command('get <namespace> <path>')
    .description('write a file to standard output, or to --to')
    .option('--to <local>', 'the local file to write')
    .option('--json', 'print { file, content } (content as text, or base64 with base64: true)')
    .action((namespace: string, path: string, options: { to?: string; json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const { file: info, data } = await (await ctx.files()).get(namespace, path);
          if (options.json) {
            const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
            const utf8 = Buffer.from(text, 'utf8').equals(data) && !data.includes(0);
            printResult(options, { file: info, content: utf8 ? text : data.toString('base64'), ...(utf8 ? {} : { base64: true }) }, () => '');
          } else if (options.to) {
            await writeFile(options.to, data);
          } else process.stdout.write(data);
          return 0;
        }),
      ),
    );
  file
    .command('remove <namespace> <path>')
    .description('remove a file; script tasks that list it fail naming it until it is put again')
    .option('--json', 'print { removed: { namespace, path, bytes, sha256, updatedAt } }')
    .action((namespace: string, path: string, options: { json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const removed = await auditedCommand(
            () => ctx.audit(),
            { tool: 'manage_files', arguments: { action: 'remove', namespace, path } },
            async () => (await ctx.files()).remove(namespace, path),
            () => ({ summary: `removed ${namespace}/${path}` }),
          );
          printResult(options, { removed }, () => `removed ${namespace}/${path}`);
          return 0;
        }),
      ),
    );
}

/** The bytes to put, refused past the bound before more than it is read. */
async function readLocal(path: string, from: string | undefined): Promise<Buffer> {
  if (from !== undefined) {
    const size = (await stat(from)).size;
    if (size > MAX_FILE_BYTES) throw new FileTooLargeError(path, size);
    return readFile(from);
  }
  if (process.stdin.isTTY)
    throw new WeftError('FILE_CONTENT_MISSING', `no content for ${path}: standard input is a terminal`, {
      hint: `weft file put NAMESPACE ${path} --from LOCAL_FILE, or pipe the content in`,
    });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_FILE_BYTES) throw new FileTooLargeError(path, size);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function fileLine(file: FileInfo): string {
  return `${file.path}  ${file.bytes} bytes  sha256 ${file.sha256.slice(0, 12)}  (updated ${file.updatedAt})`;
}
