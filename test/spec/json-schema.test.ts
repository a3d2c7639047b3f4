import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { flowJsonSchema } from '../../src/core/spec/json-schema.js';
import { BUILTIN_TASK_TYPES } from '../../src/core/task-types/builtin.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('exported JSON Schema of the flow spec', () => {
  const schema = flowJsonSchema();
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

  it('defines every task type and points nested task lists back at the task definition', () => {
    const defs = schema.$defs as Record<string, { properties?: Record<string, unknown> }>;
    for (const { name: type } of BUILTIN_TASK_TYPES) assert.ok(defs[`${type}Task`], `${type}Task missing`);
    assert.deepEqual(defs.foreachTask?.properties?.tasks, { type: 'array', items: { $ref: '#/$defs/task' }, minItems: 1 });
    assert.deepEqual((defs.switchTask?.properties?.cases as { additionalProperties: unknown } | undefined)?.additionalProperties, {
      type: 'array',
      items: { $ref: '#/$defs/task' },
      minItems: 1,
    });
  });

  it('accepts the example flows', async () => {
    const doc = parse(await readFile(join(ROOT, 'examples', 'hello.yaml'), 'utf8'));
    assert.ok(validate(doc), JSON.stringify(validate.errors));
  });

  it('rejects an unknown task field, an unknown task type and a missing id', () => {
    assert.equal(validate({ id: 'x', tasks: [{ id: 'a', type: 'log', message: 'hi', colour: 'red' }] }), false);
    assert.equal(validate({ id: 'x', tasks: [{ id: 'a', type: 'teleport' }] }), false);
    assert.equal(validate({ tasks: [{ id: 'a', type: 'log', message: 'hi' }] }), false);
    assert.equal(validate({ id: 'x', tasks: [{ id: 'a', type: 'sequence', tasks: [{ id: 'b', type: 'log', message: 'nested' }] }] }), true);
  });
});
