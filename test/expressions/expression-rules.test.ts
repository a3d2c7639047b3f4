// The expression rules of the flow spec: typed values, text rendering, escapes, the number
// rule, mixed lists, Weft's functions, and bounds.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpressionError } from '../../src/core/errors.js';
import { secretMarker } from '../../src/core/expressions/cel-environment.js';
import { toCel } from '../../src/core/expressions/cel-values.js';
import { type CelScope, MAX_EVALUATED_SIZE, renderTemplate, renderText, renderValue } from '../../src/core/expressions/evaluate.js';
import { parseTemplate } from '../../src/core/expressions/template.js';

const scope = toCel({
  inputs: { name: 'Ada', n: 7, ratio: 1.5, big: 2 ** 52, tags: ['x', 'y'], user: { id: 3, admin: true } },
  vars: {},
  outputs: { fetch: { status: 200, body: { items: [1, 2, 3] } } },
  run: { id: 'run-1' },
  item: 4,
  index: 0,
}) as CelScope;

const value = (text: string) => renderTemplate(text, scope, 'test.field');

describe('templates', () => {
  it('gives a lone {{ expr }} the typed value of the expression, surrounding whitespace ignored', () => {
    assert.deepEqual(value('{{ inputs.tags }}'), ['x', 'y']);
    assert.deepEqual(value('  {{ inputs.user }} '), { id: 3, admin: true });
    assert.equal(value('{{ inputs.n }}'), 7);
    assert.equal(value('{{ inputs.user.admin }}'), true);
    assert.equal(value('{{ null }}'), null);
    assert.equal(value('{{ inputs.name }}'), 'Ada');
  });

  it('renders any other string as text: maps and lists as compact JSON, integers without a decimal point', () => {
    assert.equal(value('user {{ inputs.user }} tags {{ inputs.tags }}'), 'user {"id":3,"admin":true} tags ["x","y"]');
    assert.equal(value('n={{ inputs.n }} half={{ inputs.n / 2.0 }} flag={{ true }}'), 'n=7 half=3.5 flag=true');
    assert.equal(value('plain text'), 'plain text');
  });

  it('writes a literal {{ for \\{{ and leaves it out of evaluation', () => {
    assert.equal(value('\\{{ not evaluated }} but {{ inputs.n }}'), '{{ not evaluated }} but 7');
    assert.deepEqual(parseTemplate('\\{{ x }}'), { kind: 'literal', value: '{{ x }}' });
  });

  it('renders a lone expression as text where a field must be text (env, headers, query)', () => {
    assert.equal(renderText('{{ inputs.user }}', scope, 'env.X'), '{"id":3,"admin":true}');
    assert.equal(renderText('{{ inputs.n }}', scope, 'env.N'), '7');
  });

  it('renders templates inside nested maps and lists, keeping types', () => {
    assert.deepEqual(renderValue({ a: ['{{ inputs.n * 2 }}', 'k{{ index }}'], b: { c: '{{ inputs.tags[1] }}' }, d: 5 }, scope, 'values'), {
      a: [14, 'k0'],
      b: { c: 'y' },
      d: 5,
    });
  });
});

describe('the number rule', () => {
  it('mixes JSON numbers with literals in arithmetic and comparisons', () => {
    assert.equal(value('{{ item * 10 }}'), 40);
    assert.equal(value('{{ 1.5 * 2 }}'), 3);
    assert.equal(value('{{ inputs.ratio * 2 }}'), 3);
    assert.equal(value('{{ outputs.fetch.status == 200 }}'), true);
    assert.equal(value('{{ inputs.ratio > 1 }}'), true);
    assert.equal(value('{{ inputs.n + inputs.ratio }}'), 8.5);
  });

  it('truncates integer division and gives a decimal result with a double operand', () => {
    assert.equal(value('{{ 7 / 2 }}'), 3);
    assert.equal(value('{{ inputs.n / 2 }}'), 3);
    assert.equal(value('{{ 7 / 2.0 }}'), 3.5);
  });

  it('returns plain numbers, never BigInt', () => {
    const result = value('{{ [inputs.n, size(inputs.tags)] }}') as unknown[];
    assert.deepEqual(result, [7, 2]);
    for (const v of result) assert.equal(typeof v, 'number');
  });

  it('refuses integers beyond 2^53', () => {
    assert.throws(
      () => value('{{ inputs.big * 4 }}'),
      (error: unknown) => error instanceof ExpressionError && /beyond 2\^53/.test(error.message),
    );
  });

  it('allows lists that mix value types', () => {
    assert.deepEqual(value('{{ [1, 2.5, "a", true, null] }}'), [1, 2.5, 'a', true, null]);
  });
});

describe("Weft's functions and CEL helpers", () => {
  it('converts with toJson and fromJson', () => {
    assert.equal(value('{{ toJson(inputs.user) }}'), '{"id":3,"admin":true}');
    assert.deepEqual(value('{{ fromJson(\'{"a": [1, 2]}\').a }}'), [1, 2]);
    assert.equal(value('{{ fromJson(\'{"a": 4}\').a * 2 }}'), 8);
  });

  it('tells with has() whether a task produced output', () => {
    assert.equal(value('{{ has(outputs.fetch) }}'), true);
    assert.equal(value('{{ has(outputs.never) }}'), false);
  });

  it('renders timestamps as RFC 3339 and durations Go-style', () => {
    assert.equal(value('{{ timestamp("2024-01-15T14:30:45Z") + duration("90m") }}'), '2024-01-15T16:00:45.000Z');
    assert.equal(value('{{ duration("90m") }}'), '1h30m0s');
    assert.equal(value('{{ duration("250ms") }}'), '250ms');
    assert.match(String(value('{{ now() }}')), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('evaluates secret() to a marker, never to a value', () => {
    assert.equal(value("{{ secret('API_TOKEN') }}"), secretMarker('API_TOKEN'));
    assert.equal(value("Bearer {{ secret('API_TOKEN') }}"), `Bearer ${secretMarker('API_TOKEN')}`);
  });

  it('supports CEL list macros over JSON data', () => {
    assert.deepEqual(value('{{ outputs.fetch.body.items.map(i, i * i) }}'), [1, 4, 9]);
    assert.deepEqual(value('{{ outputs.fetch.body.items.filter(i, i > 1) }}'), [2, 3]);
  });
});

describe('errors and bounds', () => {
  it('names the field and the expression when evaluation fails', () => {
    assert.throws(
      () => renderTemplate('{{ outputs.fetch.nothing }}', scope, 'tasks.b.url'),
      (error: unknown) =>
        error instanceof ExpressionError && error.field === 'tasks.b.url' && error.message.startsWith('tasks.b.url: {{ outputs.fetch.nothing }} failed:'),
    );
  });

  it('rejects an unclosed {{ and an expression over 4096 characters', () => {
    assert.throws(() => value('hello {{ inputs.name'), /unclosed "\{\{"/);
    assert.throws(() => value(`{{ ${'1 + '.repeat(1100)}1 }}`), /the limit is 4096/);
  });

  it('rejects a result larger than the evaluated-size bound', () => {
    const big = toCel({ ...{ inputs: { s: 'x'.repeat(600 * 1024) } }, vars: {}, outputs: {}, run: {} }) as CelScope;
    assert.throws(
      () => renderTemplate('{{ inputs.s + inputs.s }}', big, 'values.x'),
      (error: unknown) => error instanceof ExpressionError && error.message.includes(String(MAX_EVALUATED_SIZE)),
    );
  });
});
