// The operator's script settings: defaults and ceilings of the limits, the network policy and
// the working directories, each bad value refused with one line naming the variable.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/core/errors.js';
import { DEFAULT_SCRIPT_CEILINGS, DEFAULT_SCRIPT_LIMITS, loadScriptSettings } from '../../../src/services/config/script-settings.js';
import { loadConfig } from '../../../src/services/config/weft-config.js';

const rejects = (env: Record<string, string>, message: string) =>
  assert.throws(
    () => loadScriptSettings(env),
    (error: unknown) => error instanceof ConfigError && error.message === message,
  );

describe('script settings', () => {
  it('defaults: 1 GiB, 10 min of CPU per process, 512 processes, 64 MiB of logged output; tasks may ask for network', () => {
    const settings = loadConfig({}).script;
    assert.deepEqual(settings.defaults, DEFAULT_SCRIPT_LIMITS);
    assert.deepEqual(settings.ceilings, DEFAULT_SCRIPT_CEILINGS);
    assert.equal(settings.defaults.memoryBytes, 2 ** 30);
    assert.equal(settings.defaults.cpuSeconds, 600);
    assert.equal(settings.network, 'granted');
    assert.deepEqual(settings.workingDirs, []);
  });

  it('reads defaults and ceilings as key=value lists with sizes and durations', () => {
    const settings = loadScriptSettings({
      WEFT_SCRIPT_LIMITS: 'memory=256Mi, cpuTime=90s, processes=64, outputBytes=10M',
      WEFT_SCRIPT_LIMITS_MAX: 'memory=16Gi,processes=10000',
      WEFT_SCRIPT_NETWORK: 'off',
      WEFT_SCRIPT_WORKING_DIRS: '/srv/work, /data/shared/',
    });
    assert.deepEqual(settings.defaults, { ...DEFAULT_SCRIPT_LIMITS, memoryBytes: 256 * 2 ** 20, cpuSeconds: 90, processes: 64, outputBytes: 10_000_000 });
    assert.equal(settings.ceilings.memoryBytes, 16 * 2 ** 30);
    assert.equal(settings.ceilings.processes, 10_000);
    assert.equal(settings.network, 'off');
    assert.deepEqual(settings.workingDirs, ['/srv/work', '/data/shared']);
  });

  it('raises a built-in ceiling to a default set above it', () => {
    assert.equal(loadScriptSettings({ WEFT_SCRIPT_LIMITS: 'memory=32Gi' }).ceilings.memoryBytes, 32 * 2 ** 30);
  });

  it('refuses malformed values, naming the variable and what would be valid', () => {
    rejects({ WEFT_SCRIPT_LIMITS: 'memory=lots' }, 'WEFT_SCRIPT_LIMITS memory must be a size such as 512Mi (got "lots")');
    rejects({ WEFT_SCRIPT_LIMITS: 'cpu=1s' }, 'WEFT_SCRIPT_LIMITS key "cpu" is not one of memory, cpuTime, processes, outputBytes, fileBytes, outputFileBytes');
    rejects({ WEFT_SCRIPT_LIMITS_MAX: 'processes=0' }, 'WEFT_SCRIPT_LIMITS_MAX processes must be a whole number >= 1 (got "0")');
    rejects(
      { WEFT_SCRIPT_LIMITS: 'memory=4Gi', WEFT_SCRIPT_LIMITS_MAX: 'memory=2Gi' },
      'WEFT_SCRIPT_LIMITS memory must be at most its ceiling in WEFT_SCRIPT_LIMITS_MAX (got 4Gi over 2Gi)',
    );
    rejects({ WEFT_SCRIPT_NETWORK: 'yes' }, 'WEFT_SCRIPT_NETWORK must be one of granted, off, on (got "yes")');
    rejects({ WEFT_SCRIPT_WORKING_DIRS: 'work' }, 'WEFT_SCRIPT_WORKING_DIRS entry "work" must be an absolute path');
  });
});
