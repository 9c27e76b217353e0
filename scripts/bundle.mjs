// Bundles one entry point (and every file of this repository it imports; packages stay in
// node_modules) into a single ES module with esbuild: how `npm start` runs the server, and how the
// benches that report memory run the server's code (tsx's loader thread is a second V8 isolate that
// the server does not have).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { build, stop } from 'esbuild';

/** Builds `entry` into `outfile`, then stops esbuild's service process (no further builds). */
export async function bundle(entry, outfile) {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  await stop();
}

/** V8 flags `npm start` runs the server with (package.json "start"; README, "Deploying on Node"). */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=8'];
