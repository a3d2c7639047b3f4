// The cost budget of one expression: nested loops over long lists, and values doubled until
// they are huge, fail fast with ExpressionTooCostlyError; ordinary expressions are unaffected.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpressionError, ExpressionTooCostlyError } from '../../src/core/errors.js';
import { toCel } from '../../src/core/expressions/cel-values.js';
import { costSpent, EXPRESSION_COST_BUDGET } from '../../src/core/expressions/cost-budget.js';
import { type CelScope, renderTemplate } from '../../src/core/expressions/evaluate.js';

const items = Array.from({ length: 200 }, (_, i) => i);
const scope = toCel({ inputs: { items, word: 'abcdefgh' }, vars: {}, outputs: {}, run: { id: 'r' } }) as CelScope;
const evaluate = (expr: string) => renderTemplate(`{{ ${expr} }}`, scope, 'tasks[0].values.x');

function assertTooCostly(expr: string): void {
  const started = performance.now();
  assert.throws(
    () => evaluate(expr),
    (error: unknown) => {
      assert.ok(error instanceof ExpressionTooCostlyError, `expected ExpressionTooCostlyError, got ${String(error)}`);
      assert.equal(error.field, 'tasks[0].values.x');
      assert.equal(error.budget, EXPRESSION_COST_BUDGET);
      assert.match(error.message, /^tasks\[0\]\.values\.x: \{\{ .* \}\} failed: evaluation cost more than the budget of 1000000 units/);
      assert.ok(error.hint?.includes('script task'));
      return true;
    },
  );
  // Bounded by the budget, far from the 10 s workflow task deadline.
  assert.ok(performance.now() - started < 2000, `took ${performance.now() - started} ms`);
}

describe('the expression cost budget', () => {
  it('fails three nested maps over 200 items (8 million steps) fast, naming the expression and the budget', () => {
    assertTooCostly('inputs.items.map(x, inputs.items.map(y, inputs.items.map(z, x + y + z)))');
  });

  it('fails nested quantifiers even where the library turns errors into values (exists, ||)', () => {
    assertTooCostly('inputs.items.exists(x, inputs.items.exists(y, inputs.items.exists(z, x + y + z < 0)))');
    assertTooCostly('inputs.items.all(x, inputs.items.all(y, inputs.items.all(z, x + y + z >= 0))) || true');
  });

  it('charges for the size of lists and strings that + builds, so doubling stops long before memory runs out', () => {
    let list = 'inputs.items';
    for (let i = 0; i < 30; i++) list = `cel.bind(l${i}, ${list}, l${i} + l${i})`;
    assertTooCostly(list);
    let text = 'inputs.word';
    for (let i = 0; i < 40; i++) text = `cel.bind(s${i}, ${text}, s${i} + s${i})`;
    assertTooCostly(text);
  });

  it('leaves ordinary expressions alone, including two nested maps over 200 items', () => {
    assert.deepEqual(
      evaluate('inputs.items.map(x, x * 2)'),
      items.map((x) => x * 2),
    );
    const grid = evaluate('inputs.items.map(x, inputs.items.map(y, x + y))') as number[][];
    assert.equal(grid.length, 200);
    assert.equal(grid[199]?.[199], 398);
    assert.ok(costSpent() < EXPRESSION_COST_BUDGET / 2, `two nested maps spent ${costSpent()} units`);
  });

  it('gives every evaluation a fresh budget: a costly one does not starve the next', () => {
    assertTooCostly('inputs.items.map(x, inputs.items.map(y, inputs.items.map(z, x + y + z)))');
    assert.equal(evaluate('size(inputs.items)'), 200);
    assert.ok(costSpent() < 10);
  });

  it('counts deterministically: the same expression spends the same units every time', () => {
    evaluate('inputs.items.map(x, inputs.items.filter(y, y < x).size())');
    const first = costSpent();
    evaluate('inputs.items.map(x, inputs.items.filter(y, y < x).size())');
    assert.equal(costSpent(), first);
  });

  it('keeps other evaluation errors as plain expression errors', () => {
    assert.throws(
      () => evaluate('inputs.missing.x'),
      (error: unknown) => error instanceof ExpressionError && !(error instanceof ExpressionTooCostlyError),
    );
  });
});
