// Where the repository and the shared lab/corpus folder are, for tests, benchmarks and scripts (compiled
// code runs from dist/..., so the root is the nearest folder above this module that holds package.json).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the repository root (package.json)');
}

/** `../shared` beside the repository: the lab and the syzkaller corpus. */
export function sharedDir(): string {
  return resolve(repoRoot(), '..', 'shared');
}
