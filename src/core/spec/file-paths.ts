// The path of a namespace file (`weft file put NS PATH`, a script task's `files:`): relative,
// `/`-separated, each part made of plain characters, so a path can never leave the directory it
// is placed in, nor be read as an option, and names the same file on every host.

/** Longest path of a namespace file, in characters. */
export const MAX_FILE_PATH_CHARS = 256;
/** Most `/`-separated parts (folders and the file name) in one path. */
export const MAX_FILE_PATH_PARTS = 16;

const PART = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** What a valid path looks like, for hints. */
export const FILE_PATH_RULE =
  'a relative path of parts made of letters, digits, ".", "_" and "-" (not starting with "." or "-"), joined by "/", e.g. data/input.csv';

/** Why `path` is not a valid namespace file path, or undefined when it is. */
export function filePathProblem(path: string): string | undefined {
  if (path.length === 0) return 'is empty';
  if (path.length > MAX_FILE_PATH_CHARS) return `is longer than ${MAX_FILE_PATH_CHARS} characters`;
  if (path.startsWith('/')) return 'is absolute; it must be relative to the work directory';
  const parts = path.split('/');
  if (parts.length > MAX_FILE_PATH_PARTS) return `has more than ${MAX_FILE_PATH_PARTS} parts`;
  if (parts.includes('..')) return 'contains "..", which would leave the work directory';
  const bad = parts.find((part) => !PART.test(part));
  if (bad !== undefined) return bad === '' ? 'has an empty part (a doubled or trailing "/")' : `has a part ${JSON.stringify(bad)} that is not allowed`;
  return undefined;
}
