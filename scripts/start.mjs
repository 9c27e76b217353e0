// npm start: bundle the server (src/node.ts and every file of this repository it imports; packages
// stay in node_modules) into dist/node.mjs with esbuild, then run it in this process.
//
// Why not `tsx src/node.ts`, as tests and `npm run dev` do: tsx transpiles in a loader thread, a
// second V8 isolate that stays for the life of the process, and it brings its own process in front:
// at rest the server took ~185 MB under tsx and ~145 MB bundled (issue 16 goal 5, bench:idle). The
// bundle takes about a second to build and is rebuilt at every start, so it is never stale.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundle } from './bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'node.mjs');
await bundle(join(root, 'src', 'node.ts'), outfile);
const { runMain } = await import(pathToFileURL(outfile).href);
await runMain();
