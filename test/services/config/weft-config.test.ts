// loadConfig reads every setting once, checks it, and names the variable (or the flag that
// stands for it) and what would be valid when a value is wrong.

import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/core/errors.js';
import { DEFAULT_TEMPORAL_WAIT_SECONDS, loadConfig, withTemporalService } from '../../../src/services/config/weft-config.js';

const rejects = (env: NodeJS.ProcessEnv, message: string, flags = {}) =>
  assert.throws(
    () => loadConfig(env, flags),
    (error: unknown) => error instanceof ConfigError && error.code === 'CONFIG_INVALID' && error.message === message,
  );

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.dataDir, join(homedir(), '.weft'));
    assert.equal(config.cacheDir, join(homedir(), '.cache', 'weft'));
    assert.equal(config.taskQueue, 'weft');
    assert.equal(config.temporal.waitSeconds, DEFAULT_TEMPORAL_WAIT_SECONDS);
    assert.equal(config.temporal.connection.address, '127.0.0.1:7233');
    assert.equal(config.temporal.connection.namespace, 'default');
    assert.equal(config.temporal.addressGiven, false);
    assert.deepEqual(config.worker, { maxConcurrentActivities: 100, maxConcurrentWorkflowTasks: 100 });
    assert.equal(config.scriptRunner, 'sandbox');
    assert.equal(loadConfig({ WEFT_SCRIPT_RUNNER: 'bubblewrap' }).scriptRunner, 'sandbox', 'the earlier name still works');
    assert.equal(config.httpAllowedHosts, undefined);
    assert.deepEqual(config.log, { level: 'info' });
    assert.equal(config.logRetentionDays, 30);
    assert.deepEqual(config.modules, []);
    assert.equal(config.uiUrl, undefined);
    assert.deepEqual(Object.keys(config.llm.providers).sort(), ['anthropic', 'openai']);
    assert.deepEqual(config.llm.envKeys, {});
  });

  it('reads every variable it holds', () => {
    const config = loadConfig({
      WEFT_DATA_DIR: 'rel/data',
      WEFT_CACHE_DIR: '/tmp/weft-cache',
      WEFT_TASK_QUEUE: 'q1',
      TEMPORAL_ADDRESS: '10.0.0.5:7400',
      TEMPORAL_NAMESPACE: 'ns1',
      WEFT_TEMPORAL_WAIT_SECONDS: '2.5',
      WEFT_MAX_CONCURRENT_ACTIVITIES: '7',
      WEFT_MAX_CONCURRENT_WORKFLOW_TASKS: '9',
      WEFT_SCRIPT_RUNNER: 'process',
      WEFT_HTTP_ALLOWED_HOSTS: 'api.example.org',
      WEFT_LOG_LEVEL: 'debug',
      WEFT_LOG_RETENTION_DAYS: '0',
      WEFT_MODULES: 'a.ts, b.ts',
      WEFT_UI_URL: 'http://ui.example:8080/',
      WEFT_DRAFT_MODEL: 'openai/gpt-x',
      WEFT_DATABASE_URL: 'postgres://db/weft',
      WEFT_TEMPORAL_DYNAMIC_CONFIG: 'a.b=1, c=two',
      WEFT_TEMPORAL_SQLITE_PRAGMAS: 'synchronous=full',
      OPENAI_API_KEY: 'sk-env',
      WEFT_SECRET_TOKEN: 'abc',
    });
    assert.equal(config.dataDir, resolve('rel/data'));
    assert.equal(config.cacheDir, '/tmp/weft-cache');
    assert.equal(config.taskQueue, 'q1');
    assert.equal(config.temporal.connection.address, '10.0.0.5:7400');
    assert.equal(config.temporal.connection.namespace, 'ns1');
    assert.equal(config.temporal.addressGiven, true);
    assert.equal(config.temporal.waitSeconds, 2.5);
    assert.deepEqual(config.worker, { maxConcurrentActivities: 7, maxConcurrentWorkflowTasks: 9 });
    assert.equal(config.scriptRunner, 'process');
    assert.equal(config.httpAllowedHosts?.text, 'api.example.org');
    assert.equal(config.log.level, 'debug');
    assert.equal(config.logRetentionDays, 0);
    assert.deepEqual(config.modules, ['a.ts', 'b.ts']);
    assert.equal(config.uiUrl, 'http://ui.example:8080');
    assert.equal(config.draftModel, 'openai/gpt-x');
    assert.equal(config.databaseUrl, 'postgres://db/weft');
    assert.deepEqual(config.temporal.embedded, { dynamicConfig: { 'a.b': '1', c: 'two' }, sqlitePragmas: { synchronous: 'full' } });
    assert.deepEqual(config.llm.envKeys, { OPENAI_API_KEY: 'sk-env' });
    assert.equal(config.envSecrets.get('TOKEN'), 'abc');
  });

  it('lets a flag win over its variable', () => {
    const config = loadConfig(
      { WEFT_DATA_DIR: '/tmp/a', WEFT_TEMPORAL_WAIT_SECONDS: '60', WEFT_TASK_QUEUE: 'env-q' },
      { dataDir: '/tmp/b', temporalWait: '0', taskQueue: 'flag-q' },
    );
    assert.equal(config.dataDir, '/tmp/b');
    assert.equal(config.temporal.waitSeconds, 0);
    assert.equal(config.taskQueue, 'flag-q');
  });

  it('names the variable, or the flag, and what would be valid', () => {
    rejects({ WEFT_TEMPORAL_WAIT_SECONDS: 'soon' }, 'WEFT_TEMPORAL_WAIT_SECONDS must be a number of seconds >= 0 (got "soon")');
    rejects({}, '--temporal-wait must be a number of seconds >= 0 (got "-1")', { temporalWait: '-1' });
    rejects({ WEFT_MAX_CONCURRENT_ACTIVITIES: '0' }, 'WEFT_MAX_CONCURRENT_ACTIVITIES must be a whole number >= 1 (got "0")');
    rejects({ WEFT_MAX_CONCURRENT_WORKFLOW_TASKS: '2.5' }, 'WEFT_MAX_CONCURRENT_WORKFLOW_TASKS must be a whole number >= 1 (got "2.5")');
    rejects({ WEFT_SCRIPT_RUNNER: 'docker' }, 'WEFT_SCRIPT_RUNNER must be one of sandbox, process (got "docker")');
    rejects({ WEFT_UI_URL: 'ui.local' }, 'WEFT_UI_URL must be an http(s) URL (got "ui.local")');
    rejects({ WEFT_DRAFT_MODEL: 'gpt' }, 'WEFT_DRAFT_MODEL must be provider/model (e.g. anthropic/claude-sonnet-4-6) (got "gpt")');
    rejects({ WEFT_TASK_QUEUE: 'two words' }, 'WEFT_TASK_QUEUE must be a task queue name without spaces (got "two words")');
    rejects({ WEFT_LOG_LEVEL: 'loud' }, 'WEFT_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent (got "loud")');
    rejects({ WEFT_LOG_RETENTION_DAYS: 'month' }, 'WEFT_LOG_RETENTION_DAYS must be a number of days >= 0 (got "month")');
    rejects({ WEFT_LLM_PROVIDERS: '{' }, 'WEFT_LLM_PROVIDERS is not valid JSON');
    rejects(
      { WEFT_TEMPORAL_SQLITE_PRAGMAS: 'synchronous' },
      'WEFT_TEMPORAL_SQLITE_PRAGMAS must be a list of key=value separated by commas (got "synchronous")',
    );
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ WEFT_TEMPORAL_WAIT_SECONDS: ' ', WEFT_TASK_QUEUE: '', TEMPORAL_ADDRESS: '' });
    assert.equal(config.temporal.waitSeconds, DEFAULT_TEMPORAL_WAIT_SECONDS);
    assert.equal(config.taskQueue, 'weft');
    assert.equal(config.temporal.addressGiven, false);
  });

  it('puts another Temporal service in place of the configured one without touching the original', () => {
    const config = loadConfig({ TEMPORAL_NAMESPACE: 'ns1' });
    const moved = withTemporalService(config, { address: '127.0.0.1:9999', taskQueue: 'bg', uiUrl: 'http://127.0.0.1:9998/' });
    assert.equal(moved.temporal.connection.address, '127.0.0.1:9999');
    assert.equal(moved.temporal.connection.connectionOptions.address, '127.0.0.1:9999');
    assert.equal(moved.temporal.connection.namespace, 'ns1');
    assert.equal(moved.temporal.addressGiven, true);
    assert.equal(moved.taskQueue, 'bg');
    assert.equal(moved.uiUrl, 'http://127.0.0.1:9998');
    assert.equal(config.temporal.connection.address, '127.0.0.1:7233');
    assert.equal(config.taskQueue, 'weft');
  });
});
