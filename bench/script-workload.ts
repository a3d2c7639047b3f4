// Workload 17: what the sandbox adds to a script task. The same one-task flow (`bash`, `echo`)
// run by two Weft workers of the same process and store: one with the default runner, the
// bubblewrap sandbox, one with the plain `process` runner (an operator's choice). One run at a
// time, ABBA turns; the figure is the ms the sandbox adds at p50 (target: at most 50).

import { randomUUID } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import { createWeftWorker } from '../src/app/worker/weft-worker.js';
import { scriptRunnerOf } from '../src/app/worker/worker-options.js';
import { loadConfig } from '../src/services/config/weft-config.js';
import { FlowService } from '../src/services/flow-service.js';
import { RunService } from '../src/services/run-service.js';
import { alternate, type Harness } from './harness.js';
import { type Measure, spreadOf } from './measure.js';
import { flow, type Pace } from './workloads.js';

const ADDED_TARGET_MS = 50;

export async function scriptStartCost(h: Harness, runs: number, pace: Pace): Promise<Measure[]> {
  const connection = await NativeConnection.connect({ address: h.address });
  const side = async (runner: 'sandbox' | 'process') => {
    const config = loadConfig({ ...process.env, WEFT_SCRIPT_RUNNER: runner, WEFT_DATA_DIR: h.dataDir });
    const taskQueue = `weft-script-${runner}-${randomUUID()}`;
    const worker = await createWeftWorker({
      connection,
      store: h.store,
      taskQueue,
      dataDir: h.dataDir,
      config,
      scriptRunner: scriptRunnerOf(config, { dataDir: h.dataDir }),
    });
    return { worker, running: worker.run(), runs: new RunService(h.client, new FlowService(h.store), taskQueue) };
  };
  const sandboxed = await side('sandbox');
  const plain = await side('process');
  const script = flow('id: script-start\nnamespace: bench\ntasks:\n  - { id: hi, type: script, language: bash, script: "echo hi" }\n');
  const runOn = (s: typeof sandboxed) => async () => {
    const { runId } = await s.runs.startUnsaved(script.spec, script.yaml, { inputs: {} });
    const state = await s.runs.waitForClose(runId);
    if (state !== 'COMPLETED') throw new Error(`bench script run ${runId} ended ${state}: ${JSON.stringify((await s.runs.get(runId)).error)}`);
  };
  try {
    const timed = await alternate(runs, { weft: runOn(sandboxed), raw: runOn(plain) }, pace.settleMs);
    const inSandbox = spreadOf(timed.weft.ms);
    const asProcess = spreadOf(timed.raw.ms);
    return [
      {
        workload: `17 one script task run, sandboxed (${runs} a side)`,
        weft: inSandbox.median,
        raw: asProcess.median,
        unit: `ms p50, raw column: the process runner; weft - raw = added (target <= ${ADDED_TARGET_MS})`,
        spread: { weft: inSandbox, raw: asProcess },
      },
    ];
  } finally {
    for (const s of [sandboxed, plain]) s.worker.shutdown();
    await Promise.all([sandboxed.running, plain.running]);
    await connection.close();
  }
}
