// Argument parsing shared by the fleet commands (serve, worker, push, fleet): `--name value` options,
// repeatable ones collected, the rest positional. No logic beyond that.
export interface Parsed {
  opts: Map<string, string[]>;
  flags: Set<string>;
  rest: string[];
}

export function parseArgs(argv: string[], withValue: string[], flags: string[] = []): Parsed {
  const opts = new Map<string, string[]>();
  const fl = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (withValue.includes(name)) {
      const v = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      opts.set(name, [...(opts.get(name) ?? []), v]);
    } else if (flags.includes(a)) fl.add(a);
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else rest.push(a);
  }
  return { opts, flags: fl, rest };
}

export const one = (p: Parsed, k: string): string | undefined => p.opts.get(k)?.at(-1);

export function sizeOf(s: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(s.trim());
  if (!m) throw new Error(`bad size ${s} (e.g. 16M, 8G)`);
  return Number(m[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as Record<string, number>)[m[2]!.toUpperCase()]!;
}
