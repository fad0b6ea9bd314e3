// Runs the BGP codec's property-based fuzzers (src/bgp/packet/testing/codec-properties.ts) for as many iterations
// as asked, for a longer search than the unit tests do. Not a test: run it by hand or from a nightly job.
//
//   npx tsc --outDir /tmp/gingham-fuzz --rootDir . --module commonjs --target ES2022 --esModuleInterop \
//       --skipLibCheck --strict --types node scripts/fuzz-codec.ts
//   NODE_PATH=$PWD/node_modules node /tmp/gingham-fuzz/scripts/fuzz-codec.js 100000 [--seed 42] [--only "round trip"]
//
// Exits 0 when every property held, 1 when one failed (fast-check prints the seed and the shrunk counterexample, so
// the failure can be replayed with --seed), 2 on bad arguments.
import { ALL_PROPERTIES } from '../src/bgp/packet/testing/codec-properties';

interface Args {
  readonly numRuns: number;
  readonly seed?: number;
  readonly only?: string;
}

function usage(msg: string): never {
  process.stderr.write(`${msg}\nusage: fuzz-codec <iterations> [--seed N] [--only NAME]\nproperties: ${Object.keys(ALL_PROPERTIES).join(', ')}\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  let numRuns: number | undefined;
  let seed: number | undefined;
  let only: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--only') only = argv[++i];
    else if (numRuns === undefined) numRuns = Number(a);
    else usage(`unexpected argument ${a}`);
  }
  if (numRuns === undefined || !Number.isInteger(numRuns) || numRuns < 1) usage('iterations must be a positive integer');
  if (seed !== undefined && !Number.isInteger(seed)) usage('--seed must be an integer');
  if (only !== undefined && !(only in ALL_PROPERTIES)) usage(`no property named ${only}`);
  return { numRuns, ...(seed !== undefined ? { seed } : {}), ...(only !== undefined ? { only } : {}) };
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  let failed = 0;
  for (const [name, run] of Object.entries(ALL_PROPERTIES)) {
    if (args.only !== undefined && name !== args.only) continue;
    const started = Date.now();
    try {
      run({ numRuns: args.numRuns, ...(args.seed !== undefined ? { seed: args.seed } : {}) });
      process.stdout.write(`ok    ${name}: ${args.numRuns} runs in ${Date.now() - started} ms\n`);
    } catch (err) {
      failed++;
      process.stdout.write(`FAIL  ${name}\n${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = main();
