#!/usr/bin/env node
// Launches the TypeScript CLI through tsx, so `npx weft` works in a clone after `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
