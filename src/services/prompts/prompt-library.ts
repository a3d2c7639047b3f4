// Prompt files of the `prompts/` folder: Markdown with a YAML front matter that names the
// prompt, describes it and declares its arguments. MCP serves them as prompts; `llm` tasks will
// reference them as templates. `{{ name }}` in the body is replaced by the argument's value
// (plain substitution, never evaluated).

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { WeftError } from '../../core/errors.js';
import { projectPath } from '../config/paths.js';

export const PROMPTS_DIR = projectPath('prompts');

const PromptArgument = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  description: z.string().max(500),
  required: z.boolean().default(false),
});

const PromptFrontMatter = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/),
  description: z.string().max(500),
  arguments: z.array(PromptArgument).max(20).default([]),
});

export type PromptArgument = z.infer<typeof PromptArgument>;

export interface PromptTemplate {
  name: string;
  description: string;
  arguments: PromptArgument[];
  body: string;
  file: string;
}

/** Thrown when a prompt file has no front matter or an invalid one. */
export class PromptFileError extends WeftError {
  constructor(file: string, problem: string) {
    super('PROMPT_FILE_INVALID', `${file}: ${problem}`, { hint: 'start the file with ---, name, description, arguments (name, description, required), ---' });
  }
}

export function parsePromptFile(file: string, text: string): PromptTemplate {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!match) throw new PromptFileError(file, 'has no front matter');
  const parsed = PromptFrontMatter.safeParse(parseYaml(match[1] ?? ''));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PromptFileError(file, `front matter ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`);
  }
  return { ...parsed.data, body: (match[2] ?? '').trim(), file };
}

export async function loadPrompts(dir = PROMPTS_DIR): Promise<PromptTemplate[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.md')).sort();
  return Promise.all(names.map(async (name) => parsePromptFile(name, await readFile(join(dir, name), 'utf8'))));
}

/** Fills `{{ name }}` placeholders; unknown ones are left as written. */
export function renderPrompt(template: PromptTemplate, args: Record<string, string | undefined>): string {
  return template.body.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (whole, name: string) => args[name] ?? whole);
}
