#!/usr/bin/env node
// The `ktriage` executable: runs the CLI with the process's streams and sets the exit code.
import { main } from './main.js';
import { fail, type CliIO } from './io.js';

const io: CliIO = {
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: Boolean(process.stderr.isTTY),
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  // process.stdin is created on first access: only `-` inputs pay for it.
  get stdin() {
    return process.stdin;
  },
};
// A closed pipe (ktriage ... | head) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});
// --no-cache (any command): do not read or write the symbol cache of vmcores (src/readers/vmcore/symcache.ts).
const argv = process.argv.slice(2);
const nc = argv.indexOf('--no-cache');
if (nc >= 0 && argv.indexOf('--') < 0) {
  argv.splice(nc, 1);
  process.env.KTRIAGE_NO_CACHE = '1';
}
main(argv, io).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => { process.exitCode = fail(io, err); },
);
