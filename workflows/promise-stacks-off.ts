// Preloaded into the V8 context of Weft's own workflow bundle only (see PRELOADED_MODULES in
// src/worker/workflow-bundle.ts): no stack traces in that context. The SDK's promise hook builds
// one for every promise a workflow creates, to answer the stack-trace query, and the interpreter
// creates several per task: it was the largest part of the workflow thread's CPU in a 1,000-item
// foreach (bench/README.md, "Costs found"). Without a numeric `Error.stackTraceLimit` V8 captures
// nothing, and the hook returns before its bookkeeping (a limit of 0 still ran it). What such a
// trace showed was the interpreter's own frames, not the flow's; where a run is, is in its task
// runs (the `taskRuns` query, `get_run`). Bundles that hold code flows keep their stacks.
delete (Error as { stackTraceLimit?: number }).stackTraceLimit;
