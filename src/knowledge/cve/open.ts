// Opening the CVE index for a command that reads it (analyze): `--kb DIR`, KTRIAGE_KB, or the default cache.
import { loadIndex, type CveIndex } from './index-file.js';
import { kbDir } from './search.js';

/**
 * The index to match against, or none. The default directory may hold no index (silently none); a directory
 * asked for (`--kb`, KTRIAGE_KB) that holds none, or an index that cannot be read, gives a one-line warning
 * and the analysis goes on without CVE matching.
 */
export function openKb(flag: string | null | undefined, disabled?: boolean, env: NodeJS.ProcessEnv = process.env): { index: CveIndex | null; warning: string | null } {
  if (disabled) return { index: null, warning: null };
  const asked = Boolean(flag || env.KTRIAGE_KB);
  const dir = kbDir(flag ?? undefined, env);
  try {
    const index = loadIndex(dir);
    if (!index && asked) return { index: null, warning: `no CVE index in ${dir} (ktriage kb update --from PATH builds one); known CVEs are not matched` };
    return { index, warning: null };
  } catch (err) {
    return { index: null, warning: `${(err as Error).message}; known CVEs are not matched` };
  }
}
