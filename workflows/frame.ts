// An execution frame: what expressions see at one point of the run. Values are kept twice,
// as JSON (to hand on to child workflows) and in CEL form (converted once, read many times).

import { toCel } from '../src/core/expressions/cel-values.js';
import type { CelScope } from '../src/core/expressions/evaluate.js';

/** The run-wide part of the scope, as JSON. */
export interface FrameBase {
  inputs: Record<string, unknown>;
  vars: Record<string, unknown>;
  run: Record<string, unknown>;
}

export class Frame {
  private readonly ownOutputs: Record<string, unknown> = {};
  private readonly ownCel: Record<string, unknown> = {};
  /** Outputs set since the CEL form was last needed: converted when an expression reads this frame. */
  private readonly unconverted: string[] = [];
  private readonly celLocals: Record<string, unknown>;

  private constructor(
    private readonly base: FrameBase,
    private readonly celBase: Record<string, unknown>,
    private readonly parent: Frame | undefined,
    readonly iteration: number[] | undefined,
    /** `item`, `index`, `error` in scope here, as JSON. */
    readonly locals: Record<string, unknown>,
  ) {
    this.celLocals = toCel(locals) as Record<string, unknown>;
  }

  static root(base: FrameBase): Frame {
    return new Frame(base, toCel(base) as Record<string, unknown>, undefined, undefined, {});
  }

  /** A child frame for one foreach iteration or an errors block; `locals` are JSON. */
  child(locals: Record<string, unknown>, iteration?: number[]): Frame {
    return new Frame(this.base, this.celBase, this, iteration ?? this.iteration, { ...this.locals, ...locals });
  }

  /** Replaces the vars once they are computed (vars may read inputs and earlier vars). */
  static withVars(frame: Frame, vars: Record<string, unknown>): Frame {
    return Frame.root({ ...frame.base, vars });
  }

  /**
   * Records a task's output. Its CEL form is made when an expression here next reads the scope:
   * most outputs (the last task of a foreach iteration, say) are never read in this frame.
   */
  setOutput(taskId: string, output: unknown): void {
    this.ownOutputs[taskId] = output;
    this.unconverted.push(taskId);
  }

  /** Seeds outputs recorded elsewhere (a parent run's outputs for a batch child). */
  seedOutputs(outputs: Record<string, unknown>): void {
    for (const [id, value] of Object.entries(outputs)) this.setOutput(id, value);
  }

  /** Outputs recorded in this frame only (one foreach iteration's map). */
  outputsHere(): Record<string, unknown> {
    return this.ownOutputs;
  }

  /** JSON outputs visible from here. */
  visibleOutputs(): Record<string, unknown> {
    return this.parent ? { ...this.parent.visibleOutputs(), ...this.ownOutputs } : { ...this.ownOutputs };
  }

  jsonBase(): FrameBase {
    return this.base;
  }

  /** The CEL scope for evaluating an expression here. */
  scope(): CelScope {
    return { ...this.celBase, outputs: this.celOutputs(), ...this.celLocals };
  }

  private celOutputs(): Record<string, unknown> {
    if (this.unconverted.length) {
      for (const id of this.unconverted) this.ownCel[id] = toCel(this.ownOutputs[id]);
      this.unconverted.length = 0;
    }
    return this.parent ? { ...this.parent.celOutputs(), ...this.ownCel } : this.ownCel;
  }
}
