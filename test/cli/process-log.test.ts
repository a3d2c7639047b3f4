// Weft's own log, as `weft dev` and `weft worker` write it: level and file from the environment,
// credentials redacted, the Temporal SDK's records in Weft's vocabulary.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { ConfigError, WeftError } from '../../src/core/errors.js';
import { createLogger, loadLoggerSettings, logFailure } from '../../src/services/logging/logger.js';
import { PinoSdkLogger } from '../../src/services/logging/temporal-logging.js';

function memoryLogger(level: 'info' | 'debug' = 'info') {
  const records: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level }, { write: (text: string) => void records.push(JSON.parse(text)) });
  return { logger, records };
}

describe("Weft's process log", () => {
  it('reads WEFT_LOG_LEVEL (default info) and WEFT_LOG_FILE, and refuses an unknown level', () => {
    assert.deepEqual(loadLoggerSettings({}), { level: 'info' });
    assert.deepEqual(loadLoggerSettings({ WEFT_LOG_LEVEL: 'DEBUG', WEFT_LOG_FILE: '/tmp/weft.log' }), { level: 'debug', file: '/tmp/weft.log' });
    assert.throws(
      () => loadLoggerSettings({ WEFT_LOG_LEVEL: 'loud' }),
      (error: unknown) =>
        error instanceof ConfigError && error.message === 'WEFT_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent (got "loud")',
    );
  });

  it('writes JSON records at or above its level and redacts credentials', () => {
    const { logger, records } = memoryLogger();
    logger.debug('not written');
    logger.info({ apiKey: 'k-123', connection: { address: 'a:1', apiKey: 'k-456' }, headers: { authorization: 'Bearer t' } }, 'connected');
    assert.equal(records.length, 1);
    const [record] = records;
    assert.equal(record?.name, 'weft');
    assert.equal(record?.msg, 'connected');
    assert.equal(record?.apiKey, '[redacted]');
    assert.deepEqual(record?.connection, { address: 'a:1', apiKey: '[redacted]' });
    assert.deepEqual(record?.headers, { authorization: '[redacted]' });
    assert.ok(!JSON.stringify(records).includes('k-123'));
  });

  it('records an expected failure by code and message without a stack, anything else with one', () => {
    const { logger, records } = memoryLogger();
    logFailure(logger, 'worker failed', new WeftError('TEMPORAL_UNREACHABLE', 'cannot reach Temporal at x', { hint: 'start it' }));
    logFailure(logger, 'worker failed', new TypeError('boom'));
    assert.deepEqual(
      records.map((r) => [r.level, r.msg, r.code, r.hint, Boolean((r.err as { stack?: string } | undefined)?.stack)]),
      [
        [50, 'worker failed: cannot reach Temporal at x', 'TEMPORAL_UNREACHABLE', 'start it', false],
        [50, 'worker failed', undefined, undefined, true],
      ],
    );
  });

  it("maps the Temporal SDK's levels and metadata to Weft's names", () => {
    const { logger, records } = memoryLogger('debug');
    const sdk = new PinoSdkLogger(logger);
    sdk.log('DEBUG', 'Activity started', { workflowId: 'examples.hello-1', workflowRunId: 'temporal-run', taskToken: 'tok', [Symbol('ts')]: 1n });
    sdk.warn('Workflow failed', { workflowId: 'examples.hello-2', runId: 'temporal-run-2', error: new Error('bad') });
    sdk.trace('not written');
    assert.equal(records.length, 2);
    assert.deepEqual(
      [records[0]?.level, records[0]?.runId, records[0]?.temporalRunId, records[0]?.taskToken],
      [20, 'examples.hello-1', 'temporal-run', '[redacted]'],
    );
    assert.deepEqual([records[1]?.level, records[1]?.runId, records[1]?.temporalRunId], [40, 'examples.hello-2', 'temporal-run-2']);
    assert.equal((records[1]?.err as { message?: string } | undefined)?.message, 'bad');
  });

  it('writes an expected task failure as one line without a stack, a bug or debug level with it', () => {
    const meta = (error: Error) => ({ workflowId: 'examples.hello-3', activityId: 'build[2]#3', taskToken: 'tok', error });
    const exit = () => ApplicationFailure.create({ type: 'ScriptExitError', message: 'script exited with code 1:\nline one', nonRetryable: true });
    const bug = () => ApplicationFailure.create({ type: 'TypeError', message: 'x is not a function', nonRetryable: true });
    const info = memoryLogger();
    new PinoSdkLogger(info.logger).warn('Activity failed', meta(exit()));
    new PinoSdkLogger(info.logger).warn('Activity failed', meta(bug()));
    assert.deepEqual(
      [info.records[0]?.msg, info.records[0]?.runId, info.records[0]?.task, info.records[0]?.attempt, info.records[0]?.errorType, info.records[0]?.err],
      [
        'Activity failed (run examples.hello-3 task build[2] attempt 3): ScriptExitError: script exited with code 1: | line one',
        'examples.hello-3',
        'build[2]',
        3,
        'ScriptExitError',
        undefined,
      ],
    );
    assert.match(String((info.records[1]?.err as { stack?: string } | undefined)?.stack), /x is not a function\n\s+at /);
    const debug = memoryLogger('debug');
    new PinoSdkLogger(debug.logger).warn('Activity failed', meta(exit()));
    assert.match(String((debug.records[0]?.err as { stack?: string } | undefined)?.stack), /script exited with code 1/);
    assert.equal(debug.records[0]?.msg, 'Activity failed');
  });
});
