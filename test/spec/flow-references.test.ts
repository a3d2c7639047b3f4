// The reference checks of validation, beyond the fixtures: what an expression's AST reads
// (macro bindings shadow scope names), and where YAML syntax problems point.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeExpression } from '../../src/core/expressions/references.js';
import { parseFlow } from '../../src/core/spec/parse-flow.js';

describe('expression references', () => {
  it('collects inputs, vars, outputs and loop locals, except names a macro binds', () => {
    const facts = analyzeExpression("inputs.a + vars['b'] + outputs.c.x + item + [1].map(index, index) + [2].all(inputs, inputs > 0) + index");
    assert.deepEqual(facts.inputRefs, ['a']);
    assert.deepEqual(facts.varRefs, ['b']);
    assert.deepEqual(facts.outputRefs, ['c']);
    assert.deepEqual(facts.locals, ['item', 'index']);
  });

  it('names an unknown function and lists the ones that exist instead of "no matching overload"', () => {
    const facts = analyzeExpression('sise(inputs.x)');
    assert.equal(facts.problem, 'there is no function sise()');
    assert.match(facts.hint ?? '', /^did you mean size\(\)\? functions: .*\bfromJson\b.*; methods: .*\bstartsWith\b/);
    assert.equal(analyzeExpression('size(inputs.x) + "a".lowerAscii().size()').problem, undefined);
  });
});

describe('YAML syntax problems', () => {
  it('point at their line and column, with a hint', () => {
    const parsed = parseFlow('id: f\ntasks:\n  - id: a\n   type: log\n');
    assert.equal(parsed.valid, false);
    if (parsed.valid) return;
    assert.deepEqual(
      parsed.problems.map((p) => [p.line, p.message]),
      [[4, 'the document is not valid YAML or JSON at line 4, column 1: Sequence item without - indicator']],
    );
    assert.match(parsed.problems[0]?.hint ?? '', /indentation/);
  });

  it('tell an unquoted "{{ }}" apart, at the field, before YAML turns it into a map', () => {
    const parsed = parseFlow('id: f\ninputs: [{ id: x }]\ntasks:\n  - id: a\n    type: log\n    message: {{ inputs.x }}\n');
    assert.equal(parsed.valid, false);
    if (parsed.valid) return;
    assert.equal(parsed.problems.length, 1);
    assert.equal(parsed.problems[0]?.path, 'tasks[0].message');
    assert.equal(parsed.problems[0]?.line, 6);
    assert.match(parsed.problems[0]?.message ?? '', /^tasks\[0\]\.message is a map where text was meant \(line 6, column 14\)/);
    assert.match(parsed.problems[0]?.hint ?? '', /quote the value, e\.g\. message: "\{\{ inputs\.name \}\}"/);
    // Quoted, the same flow is valid.
    assert.ok(parseFlow('id: f\ninputs: [{ id: x }]\ntasks:\n  - id: a\n    type: log\n    message: "{{ inputs.x }}"\n').valid);
  });
});
