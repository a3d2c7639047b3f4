// The Python virtual environment for workload 5: Prefect installed once into Weft's cache
// directory (outside the repository) and reused by later runs. Installing takes minutes, so
// pip's progress is passed on; any failure becomes a reason to skip, never a crash.

import { spawn } from 'node:child_process';
import { access, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cacheDir, projectPath } from '../../src/services/config/paths.js';

/** The Prefect release the benchmark measures. */
export const PREFECT_VERSION = '3.9.1';
/** The PostgreSQL driver Prefect's server needs for a `postgresql+asyncpg://` database. */
export const ASYNCPG = 'asyncpg==0.32.0';

export type PythonEnv = { python: string } | { skip: string };

interface Exec {
  code: number | null;
  output: string;
}

function exec(command: string, args: string[], onLine?: (line: string) => void): Promise<Exec> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
    let output = '';
    let pending = '';
    const take = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
      pending += chunk.toString();
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) onLine?.(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (error) => resolve({ code: -1, output: error.message }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** The interpreter that makes the venv: WEFT_BENCH_PYTHON, else python3.11, else python3 (3.9 or later). */
async function findPython(): Promise<string | undefined> {
  const candidates = [process.env.WEFT_BENCH_PYTHON, 'python3.11', 'python3'].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    const r = await exec(candidate, ['-c', 'import sys, venv; print(sys.version_info >= (3, 9))']);
    if (r.code === 0 && r.output.trim() === 'True') return candidate;
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Finds or makes `<cache>/bench/prefect-<version>/` with Prefect installed; says why when it cannot. */
export async function ensurePrefectEnv(progress: (line: string) => void): Promise<PythonEnv> {
  const dir = join(cacheDir(), 'bench', `prefect-${PREFECT_VERSION}`);
  const python = join(dir, 'bin', 'python');
  const marker = join(dir, 'weft-installed.json');
  if ((await exists(marker)) && (await exists(python))) {
    const check = await exec(python, ['-c', 'import prefect; print(prefect.__version__)']);
    if (check.code === 0 && check.output.trim() === PREFECT_VERSION) {
      // A venv made before the server moved to PostgreSQL lacks the driver: added, not remade.
      if ((await exec(python, ['-c', 'import asyncpg'])).code === 0) return { python };
      progress(`installing ${ASYNCPG} into ${dir}`);
      const driver = await exec(python, [...PIP, ASYNCPG], pipProgress(progress));
      if (driver.code === 0) return { python };
      return { skip: `pip install ${ASYNCPG} failed: ${lastLine(driver.output)}` };
    }
    progress(`the Prefect venv at ${dir} is broken (${check.output.trim().split('\n').pop()}); reinstalling`);
  }
  const base = await findPython();
  if (!base) return { skip: 'no Python 3.9 or later with venv found (set WEFT_BENCH_PYTHON)' };
  await rm(dir, { recursive: true, force: true });
  progress(`creating a Python venv in ${dir} with ${base}`);
  const venv = await exec(base, ['-m', 'venv', dir]);
  if (venv.code !== 0) return { skip: `python -m venv failed: ${lastLine(venv.output)}` };
  progress(`installing prefect==${PREFECT_VERSION} and ${ASYNCPG} with pip (takes a few minutes, once)`);
  const installed = await installPrefect(python, progress);
  if (installed.skip) {
    await rm(dir, { recursive: true, force: true });
    return { skip: installed.skip };
  }
  await writeFile(marker, JSON.stringify({ prefect: PREFECT_VERSION, python: base, relaxed: installed.relaxed, at: new Date().toISOString() }));
  return { python };
}

function pipProgress(progress: (line: string) => void): (line: string) => void {
  let collected = 0;
  return (line) => {
    if (line.startsWith('Collecting ')) {
      collected++;
      if (collected % 10 === 1) progress(`pip: ${line.trim()} (${collected} packages so far)`);
    } else if (line.startsWith('Installing collected packages')) progress('pip: installing the collected packages');
    else if (line.startsWith('Successfully installed')) progress(`pip: installed ${line.split(' ').length - 2} packages`);
  };
}

const PIP = ['-m', 'pip', 'install', '--progress-bar', 'off'];

/**
 * `pip install prefect==<version>`. When the index this machine reaches lacks a release that one
 * of Prefect's pins asks for (a fresh `certifi` floor, say), installs Prefect without
 * dependencies and then its requirements with that pin dropped, and says so.
 */
async function installPrefect(python: string, progress: (line: string) => void): Promise<{ skip?: string; relaxed: string[] }> {
  const pip = await exec(python, [...PIP, `prefect==${PREFECT_VERSION}`, ASYNCPG], pipProgress(progress));
  if (pip.code === 0) return { relaxed: [] };
  const relaxed: string[] = [];
  let missing = /No matching distribution found for ([A-Za-z0-9_.-]+)(\S*)/.exec(pip.output);
  if (!missing?.[1] || missing[1].toLowerCase() === 'prefect')
    return { skip: `pip install prefect==${PREFECT_VERSION} failed: ${lastLine(pip.output)}`, relaxed };
  const noDeps = await exec(python, [...PIP, '--no-deps', `prefect==${PREFECT_VERSION}`]);
  if (noDeps.code !== 0) return { skip: `pip install prefect==${PREFECT_VERSION} failed: ${lastLine(noDeps.output)}`, relaxed };
  const script = projectPath('bench', 'prefect', 'requirements.py');
  for (let attempt = 0; attempt < 5 && missing?.[1]; attempt++) {
    relaxed.push(`${missing[1]}${missing[2] ?? ''}`);
    progress(`pip: the package index has no ${missing[1]}${missing[2] ?? ''}; installing Prefect's other requirements with the newest ${missing[1]} it has`);
    const reqs = await exec(python, [script, 'prefect', ...relaxed.map((r) => r.replace(/[^A-Za-z0-9_.-].*$/, ''))]);
    if (reqs.code !== 0) return { skip: `reading Prefect's requirements failed: ${lastLine(reqs.output)}`, relaxed };
    const file = join(dirname(python), '..', 'weft-requirements.txt');
    await writeFile(file, `${reqs.output.trimEnd()}\n${ASYNCPG}\n`);
    const deps = await exec(python, [...PIP, '-r', file], pipProgress(progress));
    if (deps.code === 0) return { relaxed };
    missing = /No matching distribution found for ([A-Za-z0-9_.-]+)(\S*)/.exec(deps.output);
    if (!missing) return { skip: `pip install of Prefect's requirements failed: ${lastLine(deps.output)}`, relaxed };
  }
  return { skip: `pip could not install Prefect's requirements (missing on the index: ${relaxed.join(', ')})`, relaxed };
}

function lastLine(output: string): string {
  return (
    output
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .pop() ?? 'no output'
  );
}
