// The key that encrypts secrets at rest: WEFT_SECRET_KEY (32 bytes as base64 or 64 hex digits),
// else a key file in the data directory, created with mode 0600 on first use.

import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { ensurePrivateDir, tightenFileModes } from '../config/paths.js';

export async function loadSecretKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  if (env.WEFT_SECRET_KEY) return parseKey(env.WEFT_SECRET_KEY, 'WEFT_SECRET_KEY');
  const file = join(dataDir, 'secret.key');
  try {
    const text = await readFile(file, 'utf8');
    // A key file from an older Weft, or copied in by hand, may be readable by others.
    await tightenFileModes(file);
    return parseKey(text.trim(), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  await ensurePrivateDir(dirname(file));
  // 'wx' fails if another process created the file in the meantime; then read theirs.
  try {
    await writeFile(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
    await chmod(file, 0o600);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return parseKey((await readFile(file, 'utf8')).trim(), file);
    throw error;
  }
}

function parseKey(text: string, source: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new ConfigError(`${source} must hold a 32-byte key (base64 or 64 hex digits)`, 'generate one with: openssl rand -base64 32');
  return key;
}
