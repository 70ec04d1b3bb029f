// Bundles the CLI into dist/ktriage.mjs (package.json `bin`) after tsc has type-checked and compiled the
// sources: Node resolves, reads and compiles every module on its own, so start-up of `ktriage dmesg
// VMCORE` would pay per module; bundling keeps the sources split by what they read while start-up stays
// that of a few files. The commands main.ts imports on demand become chunks (dist/chunks/), so `dmesg`
// does not compile `analyze` and the reports. esbuild does the bundling (devDependency).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

// The runtime dependencies (fastify, pg, PGlite, uplot) stay packages that Node loads from node_modules:
// they are CommonJS that require() Node's modules (which an ESM bundle cannot) or read files beside
// themselves (PGlite's wasm, uPlot's dist).
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

rmSync('dist/chunks', { recursive: true, force: true });
await build({
  // The fleet service's ingest threads run their own entry (src/fleet/ingest-pool.ts finds it beside the CLI).
  entryPoints: { ktriage: 'src/cli/bin.ts', 'ktriage-ingest-worker': 'src/fleet/ingest-worker.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  define: { KTRIAGE_BUNDLED: 'true' },
  external: Object.keys(pkg.dependencies ?? {}),
  logLevel: 'warning',
  legalComments: 'none',
});
