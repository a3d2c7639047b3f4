// The namespace file service on both stores (a fresh SQLite file and a fresh PostgreSQL database):
// bytes and digests round-trip, a put replaces, paths and sizes are bounded, a namespace's files
// stay its own, and a path cannot be a file and a folder at once.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { FileService, MAX_FILE_BYTES, MAX_NAMESPACE_FILE_BYTES } from '../../src/services/files/file-service.js';
import { NamespaceFileStore } from '../../src/services/files/file-store.js';
import type { Store } from '../../src/services/store/database.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

async function refusal(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work;
  } catch (error) {
    return error as { code: string; message: string };
  }
  assert.fail('the call succeeded');
}

for (const kind of STORE_KINDS) {
  describe(`namespace files on ${kind}`, () => {
    let store: Store;
    let files: FileService;
    before(async () => {
      store = await openTestStore(kind);
      files = new FileService(new NamespaceFileStore(store));
    });
    after(async () => store.close());

    it('puts, lists, gets, replaces and removes a file, bytes and digest intact', async () => {
      const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
      const put = await files.put('team.data', 'bin/blob.dat', bytes);
      assert.equal(put.created, true);
      assert.deepEqual(
        { ...put.file, updatedAt: '' },
        {
          namespace: 'team.data',
          path: 'bin/blob.dat',
          bytes: 7,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          updatedAt: '',
        },
      );
      const got = await files.get('team.data', 'bin/blob.dat');
      assert.ok(got.data.equals(bytes));
      const again = await files.put('team.data', 'bin/blob.dat', Buffer.from('text now'));
      assert.equal(again.created, false);
      assert.equal((await files.get('team.data', 'bin/blob.dat')).data.toString(), 'text now');
      await files.put('team.data', 'a.txt', Buffer.from('a'));
      assert.deepEqual(
        (await files.list('team.data')).map((f) => [f.path, f.bytes]),
        [
          ['a.txt', 1],
          ['bin/blob.dat', 8],
        ],
      );
      assert.deepEqual(await files.list('other'), [], "another namespace's files are its own");
      assert.equal((await files.remove('team.data', 'a.txt')).path, 'a.txt');
      assert.equal((await refusal(files.remove('team.data', 'a.txt'))).code, 'FILE_NOT_FOUND');
      assert.equal((await refusal(files.get('other', 'bin/blob.dat'))).code, 'FILE_NOT_FOUND');
    });

    it('refuses bad paths and namespaces naming what is allowed', async () => {
      for (const [path, part] of [
        ['../x', 'contains ".."'],
        ['/etc/passwd', 'is absolute'],
        ['a//b', 'has an empty part'],
        ['-rf', 'has a part "-rf"'],
        ['.hidden', 'has a part ".hidden"'],
        ['a b', 'has a part "a b"'],
      ]) {
        const error = await refusal(files.put('ns', path as string, Buffer.from('x')));
        assert.equal(error.code, 'INVALID_FILE', path);
        assert.ok(error.message.includes(part as string), `${path}: ${error.message}`);
      }
      const badNamespace = await refusal(files.put('Bad NS', 'a.txt', Buffer.from('x')));
      assert.equal(badNamespace.code, 'INVALID_FILE');
      assert.match(badNamespace.message, /namespace "Bad NS" must be lowercase letters/);
    });

    it('refuses a file over 10 MiB, a namespace over 100 MiB, and a file where a folder is', async () => {
      const big = await refusal(files.put('sizes', 'big.bin', Buffer.alloc(MAX_FILE_BYTES + 1)));
      assert.equal(big.code, 'FILE_TOO_LARGE');
      assert.match(big.message, /file big\.bin is 10485761 bytes, over the limit of 10485760 bytes/);
      const nine = Buffer.alloc(9 * 2 ** 20);
      for (let i = 0; i < 11; i++) await files.put('sizes', `part-${i}.bin`, nine);
      const full = await refusal(files.put('sizes', 'one-more.bin', nine));
      assert.equal(full.code, 'NAMESPACE_FILES_FULL');
      assert.ok(full.message.includes(`over the limit of ${MAX_NAMESPACE_FILE_BYTES} bytes`), full.message);
      // Replacing a file counts its new size in place of the old one.
      assert.equal((await files.put('sizes', 'part-0.bin', Buffer.alloc(10))).created, false);
      await files.put('tree', 'data/in.csv', Buffer.from('x'));
      assert.equal((await refusal(files.put('tree', 'data', Buffer.from('x')))).code, 'FILE_PATH_CONFLICT');
      assert.equal((await refusal(files.put('tree', 'data/in.csv/deeper', Buffer.from('x')))).code, 'FILE_PATH_CONFLICT');
    });
  });
}
