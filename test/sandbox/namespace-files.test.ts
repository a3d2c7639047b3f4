// Namespace files in a script's work directory: read from the store (a real SQLite store), shown
// read-only inside the sandbox (writing, removing or renaming one fails, a file beside them is
// fine), placed with read-only permission bits by the process runner, and a file the task lists
// that is not in the namespace fails the task naming it.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FileService } from '../../src/services/files/file-service.js';
import { NamespaceFileStore } from '../../src/services/files/file-store.js';
import { failureOf, type SandboxKit, sandboxKit } from './sandbox-kit.js';

describe('namespace files of a script task', () => {
  let kit: SandboxKit;
  let files: FileService;
  before(async () => {
    kit = await sandboxKit();
    files = new FileService(new NamespaceFileStore(kit.logStore));
    await files.put('test', 'config.json', Buffer.from('{"greeting":"hello"}'));
    await files.put('test', 'data/input.csv', Buffer.from('a,b\n1,2\n'));
  });
  after(async () => kit.close());

  const tryAll = `set -u
try() { if eval "$1" 2>/dev/null; then echo yes; else echo no; fi; }
greeting=$(sed 's/.*"greeting":"\\([a-z]*\\)".*/\\1/' config.json)
rows=$(wc -l < data/input.csv)
write=$(try 'echo x >> config.json')
remove=$(try 'rm -f data/input.csv')
rename=$(try 'mv config.json moved.json')
beside=$(try 'echo out > data/output.txt')
echo "::weft-output::{\\"greeting\\":\\"$greeting\\",\\"rows\\":$rows,\\"write\\":\\"$write\\",\\"remove\\":\\"$remove\\",\\"rename\\":\\"$rename\\",\\"beside\\":\\"$beside\\",\\"mode\\":\\"$(stat -c %a config.json)\\"}"`;

  it('shows the files read-only inside the sandbox: writing, removing and renaming them fail', async () => {
    const done = await kit.run(kit.script(tryAll, { files: { namespace: 'test', paths: ['config.json', 'data/input.csv'] } }), { files });
    assert.deepEqual(done.outputs, { greeting: 'hello', rows: 2, write: 'no', remove: 'no', rename: 'no', beside: 'yes', mode: '444' });
  });

  it('fails the task naming a listed file that is not in the namespace', async () => {
    const failure = await failureOf(
      kit.run(kit.script('cat data/nope.csv', { files: { namespace: 'test', paths: ['config.json', 'data/nope.csv'] } }), { files }),
    );
    assert.equal(failure.type, 'ScriptSetupError');
    assert.match(failure.message, /^files\[1\] data\/nope\.csv is not in namespace test: put it with weft file put test data\/nope\.csv/);
  });

  it('refuses a path that would leave the work directory even when validation was skipped', async () => {
    const failure = await failureOf(kit.run(kit.script('true', { files: { namespace: 'test', paths: ['../../etc/passwd'] } }), { files }));
    assert.equal(failure.type, 'ScriptSetupError');
    assert.match(failure.message, /files\[0\] "\.\.\/\.\.\/etc\/passwd" contains "\.\."/);
  });

  it('reads files of the task’s own namespace only', async () => {
    await files.put('other', 'secret.txt', Buffer.from('not yours'));
    const failure = await failureOf(kit.run(kit.script('cat secret.txt', { files: { namespace: 'test', paths: ['secret.txt'] } }), { files }));
    assert.match(failure.message, /secret\.txt is not in namespace test/);
  });

  it('places the files with read-only permission bits under the process runner (weaker: the owner may change them)', async () => {
    const plain = await sandboxKit({ WEFT_SCRIPT_RUNNER: 'process' });
    try {
      const done = await plain.run(
        plain.script('echo "::weft-output::{\\"mode\\":\\"$(stat -c %a config.json)\\",\\"text\\":\\"$(head -1 data/input.csv)\\"}"', {
          files: { namespace: 'test', paths: ['config.json', 'data/input.csv'] },
        }),
        { files },
      );
      assert.deepEqual(done.outputs, { mode: '444', text: 'a,b' });
    } finally {
      await plain.close();
    }
  });
});
