#!/usr/bin/env node
// `npx polaris …`: runs src/cli.ts through tsx (TypeScript without a build step).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'src', 'cli.ts');
// tsx reads the tsconfig of the directory it runs in; point it at ours so the dashboard's JSX
// (hono/jsx) compiles when `npx polaris` runs from anywhere else.
const env = { ...process.env, TSX_TSCONFIG_PATH: process.env.TSX_TSCONFIG_PATH ?? join(root, 'tsconfig.json') };
// tsx resolved from here, not from the working directory, which may have no node_modules.
const tsx = import.meta.resolve('tsx');
const result = spawnSync(process.execPath, ['--import', tsx, cli, ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(result.status ?? (result.signal ? 1 : 0));
