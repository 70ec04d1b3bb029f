// `ktriage log VMCORE`: crash's `log`, which prints what `makedumpfile --dump-dmesg` does (the lab's
// crash-log.txt and dmesg.txt are the same bytes): the `dmesg` verb under crash's name, plus --json.
import { readVmcore } from '../readers/vmcore/index.js';
import { escapeTerminal } from '../util/escape.js';
import { run as runDmesg, type CommandIO } from './dmesg.js';
import { gapList, parseVerbArgs } from './vmcore-verb.js';

export const USAGE = `usage: ktriage log [--json] [--caller-id] VMCORE

The kernel log of a vmcore, as crash's \`log\` prints it (byte for byte what \`ktriage dmesg\` and
\`makedumpfile --dump-dmesg\` print); no debug vmlinux needed.
  --caller-id   add the [T<pid>]/[C<cpu>] caller column
  --json        {"records": [{seq, time (seconds, as printed), level, facility, callerId, text}], "gaps"}
`;

export async function run(args: string[], io: CommandIO): Promise<number> {
  const p = parseVerbArgs(args, io, USAGE, { 'caller-id': { type: 'boolean' } });
  if (typeof p === 'number') return p;
  if (p.values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (!p.values.json) return runDmesg(args, io);
  if (p.positionals.length !== 1) {
    io.stderr.write(`ktriage: log needs exactly one VMCORE (${USAGE.split('\n')[0]})\n`);
    return 2;
  }
  const file = p.positionals[0]!;
  let r;
  try {
    r = readVmcore(file, { logOnly: true });
  } catch (err) {
    io.stderr.write(`ktriage: ${escapeTerminal(`${file}: ${(err as Error).message}`.split('\n')[0]!)}\n`);
    return 2;
  }
  if (r.info.printk === null) {
    io.stderr.write(`ktriage: ${escapeTerminal(`${file}: ${r.gaps.map((g) => g.what).join('; ') || 'no kernel log found'}`)}\n`);
    return 2;
  }
  const records = r.records.map((x) => ({
    seq: x.seq === null ? null : Number(x.seq),
    time: `${x.tsNsec / 1_000_000_000n}.${(x.tsNsec % 1_000_000_000n / 1000n).toString().padStart(6, '0')}`,
    level: x.level, facility: x.facility, callerId: x.callerId, text: x.text.toString('latin1'),
  }));
  io.stdout.write(JSON.stringify({ records, gaps: gapList(r.gaps) }) + '\n');
  return r.gaps.length ? 1 : 0;
}
