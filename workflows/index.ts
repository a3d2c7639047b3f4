// The workflow bundle's entry: every workflow type the Weft worker registers.
export { flowRun } from './flow-run.js';
export { foreachBatch } from './foreach-batch.js';
export { limitKeeper } from './limit-keeper.js';
