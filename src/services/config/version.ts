// Weft's version, read from package.json once, so the CLI, the MCP server and the release notes
// cannot drift apart.

import { readFileSync } from 'node:fs';
import { projectPath } from './paths.js';

export const WEFT_VERSION: string = (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }).version;
