// `ktriage log VMCORE`: crash's `log`, which prints what `makedumpfile --dump-dmesg` does (the lab's
// crash-log.txt and dmesg.txt are the same bytes): the `dmesg` verb under crash's name, plus --json.
import { readLog, run as runDmesg, type CommandIO } from './dmesg.js';
import { gapList, parseVerbArgs } from './vmcore-verb.js';

export const USAGE = `usage: ktriage log [--json] [--caller-id] VMCORE

The kernel log of a vmcore, as crash's \`log\` prints it (byte for byte what \`ktriage dmesg\` and
\`makedumpfile --dump-dmesg\` print); no debug vmlinux needed.
  --caller-id   add the [T<pid>]/[C<cpu>] caller column
  --json        {"records": [{seq, time (seconds, as printed), level, facility, callerId, text}], "gaps"}
`;

export async function run(args: string[], io: CommandIO): Promise<number> {
  const a = parseVerbArgs(args, io, { verb: 'log', usage: USAGE, options: { 'caller-id': { type: 'boolean' } }, sources: false });
  if (typeof a === 'number') return a;
  if (!a.values.json) return runDmesg(args, io);
  const r = readLog(a.file, io, { logOnly: true });
  if (typeof r === 'number') return r;
  const records = r.records.map((x) => ({
    seq: x.seq === null ? null : Number(x.seq),
    time: `${x.tsNsec / 1_000_000_000n}.${(x.tsNsec % 1_000_000_000n / 1000n).toString().padStart(6, '0')}`,
    level: x.level, facility: x.facility, callerId: x.callerId, text: x.text.toString('latin1'),
  }));
  io.stdout.write(JSON.stringify({ records, gaps: gapList(r.gaps) }) + '\n');
  return r.gaps.length ? 1 : 0;
}
