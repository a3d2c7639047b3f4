// WEFT_ALLOWED_ORIGINS: the web origins, besides its own, whose pages may call the MCP endpoint.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/core/errors.js';
import { loadConfig } from '../../src/services/config/weft-config.js';
import { parseAllowedOrigins } from '../../src/services/security/allowed-origins.js';

describe('allowed origins', () => {
  it('normalises entries as browsers send the Origin header: lower-case host, no default port, no slash', () => {
    assert.deepEqual(parseAllowedOrigins(' https://Console.Example.com:443/ , http://localhost:6274,'), [
      'https://console.example.com',
      'http://localhost:6274',
    ]);
    assert.deepEqual(parseAllowedOrigins(''), []);
  });

  it('refuses an entry that is not an http(s) origin, naming the variable and the entry', () => {
    assert.throws(
      () => parseAllowedOrigins('https://ok.example, file:///etc'),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message === 'WEFT_ALLOWED_ORIGINS entry "file:///etc" must be an http(s) origin such as https://console.example.com',
    );
    assert.throws(
      () => parseAllowedOrigins('https://console.example.com/app'),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message === 'WEFT_ALLOWED_ORIGINS entry "https://console.example.com/app" must be an origin, without path, query or credentials' &&
        error.hint === 'use https://console.example.com',
    );
    assert.throws(() => parseAllowedOrigins('console.example.com'), ConfigError);
  });

  it('is read once into the configuration', () => {
    assert.deepEqual(loadConfig({ WEFT_ALLOWED_ORIGINS: 'http://localhost:6274' }).mcpAllowedOrigins, ['http://localhost:6274']);
    assert.deepEqual(loadConfig({}).mcpAllowedOrigins, []);
  });
});
