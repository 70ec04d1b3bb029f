// Where the tests find the repository and ../shared (compiled tests run from dist/test/).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '../src/util/repo.js';

export { repoRoot };

export const SHARED = resolve(repoRoot(), '..', 'shared');
export const LAB_OUT = join(SHARED, 'lab', 'out');
export const CORPUS = join(SHARED, 'corpus', 'syzkaller-linux');
/** Reason to skip a test that needs ../shared, or false when it is there. */
export function needShared(path: string): string | false {
  return existsSync(path) ? false : `needs ${path} (the shared folder beside the repository); skipped`;
}
export const CLI = join(repoRoot(), 'dist', 'src', 'cli', 'bin.js');
