// Fuzz targets of every ktriage parser (issue 5). Each target has seeds (real inputs: lab files and the
// syzkaller corpus read where they are in ../shared, small carvings of the lab dumps, hand-made inputs
// from the vmcore test kit) and a run(input) that feeds one mutated input to the parser and checks the
// properties every parser promises: it returns (a result, or one clear Error for whole-file readers)
// and the result respects the documented bounds. Parsers that catch their own errors (the title rules,
// the crash-session reader) are driven through their inner functions, or the "stopped early" gap is
// treated as a failure, so that a bug is not hidden by a catch-all.
//
// Seeds carved from the lab dumps are cached in os.tmpdir()/ktriage-fuzz-seeds-<uid>/ (unwrapping a
// dump costs about a second); without ../shared the hand-made seeds alone are used.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import snappy from 'snappyjs';
import { readLog, createLogReader, normalizeLine, MAX_LINE_CHARS, MAX_EVENT_CHARS, MAX_EXTRA_PANICKED } from '../src/readers/log/index.js';
import { readCrashSession, MAX_FACTS } from '../src/readers/crash-session/index.js';
import { eventFromDump } from '../src/readers/crash-session/event.js';
import { parseFirstReport } from '../src/title/parse.js';
import { findFirstCrash } from '../src/title/index.js';
import { parseVmcoreInfo } from '../src/readers/vmcore/vmcoreinfo.js';
import { parseNotes } from '../src/readers/vmcore/notes.js';
import { parseElfCore, ElfMemory } from '../src/readers/vmcore/elf.js';
import { parseKdumpHeader, KdumpMemory, isKdump } from '../src/readers/vmcore/kdump.js';
import { FlatFile } from '../src/readers/vmcore/flat.js';
import { BufferFile } from '../src/readers/vmcore/file.js';
import { Dump } from '../src/readers/vmcore/dump.js';
import { PageCache, type PageRead, type PhysMemory } from '../src/readers/vmcore/memory.js';
import { X86_64Translator } from '../src/readers/vmcore/x86_64.js';
import { readKernelLog } from '../src/readers/vmcore/printk.js';
import { formatLog } from '../src/readers/vmcore/format.js';
import { readVmcore, summarize } from '../src/readers/vmcore/index.js';
import { helloImage, note, prstatus, SynthImage, SYN_STACK, SYN_TEXT, syntheticUnwindEnv, writeElfCore, writeFlattened, writeKdump } from '../src/readers/vmcore/testkit.js';
import { MAX_FRAMES, unwind } from '../src/readers/vmcore/unwind.js';
import { MAX_SYMS, readKallsyms } from '../src/readers/vmcore/kallsyms.js';
import { Btf } from '../src/readers/vmcore/btf.js';
import { decodeValue, budget, layoutLines } from '../src/readers/vmcore/typed.js';
import { KernelContext } from '../src/readers/vmcore/kernel.js';
import { BtfBuilder } from '../src/readers/vmcore/testkit.js';
import { analyze } from '../src/analyze.js';
import { MAX_EVENT_LINES } from '../src/model/types.js';

export interface FuzzTarget {
  name: string;
  /** What it exercises (docs/reliability.md). */
  what: string;
  seeds(): Buffer[];
  /** Format tokens spliced into inputs by the mutator. */
  tokens?: string[];
  /** Feeds one input; throws on a property violation. A plain one-line Error is the parser's own refusal when `mayThrow`. */
  run(input: Buffer): void;
  /** True for whole-file readers whose contract allows one clear Error on unreadable input. */
  mayThrow?: boolean;
}

// ---------------------------------------------------------------------------------------------------
// Where things are

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the repository root');
}
export const SHARED = resolve(repoRoot(), '..', 'shared');
export const LAB_OUT = join(SHARED, 'lab', 'out');
export const CORPUS = join(SHARED, 'corpus', 'syzkaller-linux');
export const FUZZ_FIXTURES = join(repoRoot(), 'test', 'fixtures', 'fuzz');

function cacheDir(): string {
  const d = join(tmpdir(), `ktriage-fuzz-seeds-${process.getuid?.() ?? 0}`);
  mkdirSync(d, { recursive: true });
  return d;
}

let scratch: string | null = null;
/** A per-process scratch folder for targets that need a file path (removed at exit). */
export function scratchDir(): string {
  if (!scratch) {
    scratch = join(tmpdir(), `ktriage-fuzz-${process.pid}`);
    mkdirSync(scratch, { recursive: true });
    process.on('exit', () => rmSync(scratch!, { recursive: true, force: true }));
  }
  return scratch;
}

function labFiles(pattern: RegExp): string[] {
  if (!existsSync(LAB_OUT)) return [];
  const out: string[] = [];
  for (const s of readdirSync(LAB_OUT).sort()) {
    const d = join(LAB_OUT, s);
    if (!statSync(d).isDirectory()) continue;
    for (const f of readdirSync(d).sort()) if (pattern.test(f)) out.push(join(d, f));
  }
  return out;
}

function corpusFiles(): string[] {
  if (!existsSync(CORPUS)) return [];
  return readdirSync(CORPUS).filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b)).map((n) => join(CORPUS, n));
}

/** Regression inputs of a target (test/fixtures/fuzz/<target>-*.bin) are seeds too. */
function regressions(target: string): Buffer[] {
  if (!existsSync(FUZZ_FIXTURES)) return [];
  return readdirSync(FUZZ_FIXTURES).filter((f) => f.startsWith(`${target}-`) && f.endsWith('.bin')).sort().map((f) => readFileSync(join(FUZZ_FIXTURES, f)));
}

/**
 * Line-aligned windows of at most `max` bytes: one starting a few lines before each crash-looking
 * header line (so the seeds are reports), plus the file's start. Small seeds keep a run well under a ms.
 */
export function windows(text: Buffer, max = 3072, perFile = 3): Buffer[] {
  const s = text.toString('latin1');
  const out: Buffer[] = [text.subarray(0, max)];
  const re = /^.*(?:BUG:|WARNING:|general protection|Kernel panic|Oops|kernel BUG at|INFO: task|watchdog:|rcu: INFO|invoked oom-killer|sysrq: Trigger|Call Trace|KASAN:|list_del corruption|stack-protector).*$/gm;
  let m: RegExpExecArray | null;
  let last = -max;
  while ((m = re.exec(s)) && out.length < perFile + 1) {
    if (m.index - last < max / 2) continue;
    last = m.index;
    let start = m.index;
    for (let k = 0; k < 3 && start > 0; k++) start = s.lastIndexOf('\n', start - 2) + 1;
    const end = Math.min(s.length, start + max);
    const cut = s.lastIndexOf('\n', end - 1);
    out.push(text.subarray(start, cut > start ? cut + 1 : end));
  }
  return out;
}

/** Foreign prefixes of pasted logs (issue 13) and the shapes they wrap: quotes, gutters, line numbers,
 *  HTML escapes, collectors' fields, CI/hypervisor tags, rsyslog escapes, kmsg records, decoded frames. */
const PREFIX_TOKENS = [
  '> ', '>> ', '> > ', '| ', '  12 ', '12:', '12|', '    1. ', '&gt; ', '&lt;', '&amp;', '#012', '#011', 'kernel: ',
  'Tue Feb  1 19:02:25 2022 kern.warn kernel: ', 'May 17 18:48:11 kernel: ', 'июл 27 14:08:04 h kernel: ', '00034 ',
  '[guest0/uart0] ', 'nas3 login: ', 'root@sh:/# ', '16:56:35 ', '4,622,406528882,-;', '[Apr25 06:33] ', '[  +0.000013] ',
  '407819.286867] ', '`48576.460707] ', ' (fs/a.c:12)', ' (a.c:1 b.c:2 (discriminator 1))', ' (P)',
  '[<c013c2f4>] (f) from [<c013c5ec>] (g+0x60/0x590)\n', '0x860546a4 [m@8ad96439+0x96c0]', ' [   T419] ',
  '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.\n', 'rcu:     1-...!: (0 ticks this GP) ',
  'Watchdog CPU:1 Hard LOCKUP\n', 'mce: [Hardware Error]: CPU 1: Machine Check Exception: 5 Bank 4: b2\n',
  'Out of memory: Killed process 1 (x)\n', 'in_atomic(): 1, irqs_disabled(): 0, pid: 1, name: x\n', ' by task x/1\n',
  // lead-in lines (lead-in.ts): assertions and module-attributed messages right before a header
  'LustreError: 1:0:(a.c:1:f()) ASSERTION( x ) failed: \n', 'LustreError: 1:0:(a.c:1:f()) LBUG\n', 'm:f():37: x\n',
  '[drm:f [m]] *ERROR* x\n', 'VERIFY(x) failed\n', 'assertion failed\n',
];

/** Pasted shapes (hand-made, in the formats the real-world corpus shows): one oops behind each kind of prefix. */
function prefixSeeds(): Buffer[] {
  const oops = [
    '[  162.123456] BUG: kernel NULL pointer dereference, address: 0000000000000008',
    '[  162.123466] Oops: 0000 [#1] PREEMPT SMP NOPTI',
    '[  162.123469] CPU: 4 PID: 419 Comm: x Tainted: G           OE      6.6.7-arch1-1 #1',
    '[  162.123474] RIP: 0010:f+0x23/0x130 [m]',
    '[  162.123490] Call Trace:',
    '[  162.123495]  f+0x23/0x130 [m] (drivers/m/a.c:12)',
    '[  162.123497] [<c013c2f4>] (g) from [<c013c5ec>] (h+0x60/0x590)',
  ];
  const wraps: ((l: string, i: number) => string)[] = [
    (l) => `> ${l}`, (l) => `| ${l}`, (l, i) => `${String(i + 1).padStart(4)} ${l}`, (l, i) => `${i + 1}:${l}`,
    (l) => `&gt; ${l.replace(/>/g, '&gt;')}`, (l) => `May 17 18:48:11 kernel: ${l}`, (l) => `Tue Feb  1 19:02:25 2022 kern.warn kernel: ${l}`,
    (l) => `[guest0/uart0] ${l}`, (l) => `16:56:35 ${l}`, (l) => `00034 ${l.slice(15)}`, (l, i) => `4,${i},162123456,-;${l.slice(15)}`,
    (l) => `Mar 26 20:52:22 h kernel: ${l.slice(15)}#012 second part#011tab`,
  ];
  return wraps.map((w) => Buffer.from(oops.map(w).join('\n') + '\n', 'utf8'));
}

/** Line normalisation on lines with foreign prefixes: never throws, only removes (or restores a lost `[`). */
const logPrefixTarget: FuzzTarget = {
  name: 'log-prefix',
  what: 'log line prefixes: normalizeLine on every line (quotes, line numbers, HTML escapes, collectors, kmsg, dmesg -H, ktest, joined lines), then readLog',
  seeds: () => [...prefixSeeds(), ...logSeeds().filter((_, i) => i % 5 === 2), ...regressions('log-prefix')],
  tokens: [...PREFIX_TOKENS, '\n', '[    0.000000] ', 'BUG: ', 'Call Trace:\n', '+0x', '/0x', ' ', '\t', '(', ')', '[', ']', ':'],
  run(input) {
    const text = input.toString('utf8');
    let n = 0;
    for (const line of text.split('\n')) {
      if (++n > 2000) break;
      const L = normalizeLine(line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line, n);
      if (typeof L.text !== 'string' || L.text.length > line.length + 2) throw new Error(`property: normalised text longer than its line: ${JSON.stringify(line.slice(0, 120))}`);
      if (L.uptime !== null && !(L.uptime >= 0)) throw new Error(`property: bad uptime ${L.uptime}`);
    }
    const r = readLog('fuzz.log', input);
    checkLogResult(r, input.length);
    JSON.stringify(r);
  },
};

function logSeeds(): Buffer[] {
  const seeds: Buffer[] = [];
  for (const f of labFiles(/^(console\.log|dmesg\.txt)$/)) seeds.push(...windows(readFileSync(f)));
  for (const f of corpusFiles()) seeds.push(...windows(readFileSync(f), 3072, 1));
  const fx = join(repoRoot(), 'test', 'fixtures', 'logs');
  if (seeds.length === 0 && existsSync(fx)) for (const f of readdirSync(fx).filter((n) => !n.endsWith('.json'))) seeds.push(...windows(readFileSync(join(fx, f))));
  // Hand-made: the log line formats the reader recognises (kernel printk, dmesg -T, syslog, RFC 5424,
  // journalctl short-precise, serial with CR/escapes), one oops header each (format: the kernel's
  // printk prefix and the tools' own output formats).
  seeds.push(Buffer.from(
    '[    1.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008\n' +
    '[Mon Jan  1 00:00:01 2024] Oops: 0002 [#1] PREEMPT SMP NOPTI\n' +
    'Jan  1 00:00:01 host kernel: [    1.000001] CPU: 0 PID: 1 Comm: init Tainted: G           OE      6.1.0-56-amd64 #1 Debian 6.1.192-2\n' +
    '<4>1 2024-01-01T00:00:01.000000+00:00 host kernel - - - RIP: 0010:f+0x1/0x2 [m]\n' +
    'Jan 01 00:00:01.000000 host kernel: Call Trace:\n\x1b[0m\r[    1.000002]  <TASK>\n[    1.000003]  ? g+0x3/0x4\n' +
    '[    1.000004] Modules linked in: a(OE) b c(P)\n[    1.000005] Kernel panic - not syncing: Fatal exception\n', 'latin1'));
  seeds.push(...prefixSeeds());
  return [...seeds, ...regressions('log')];
}

const LOG_TOKENS = [
  '\n', '\r\n', '\0', '\x1b[31m', '\x1b]8;;x\x07', '\u202e', '[    0.000000] ', '<4>', 'BUG: ', 'WARNING: CPU: 0 PID: 1 at ',
  'Kernel panic - not syncing: ', 'Oops: 0000 [#1] SMP\n', 'kernel BUG at mm/slub.c:1!\n', 'Call Trace:\n', ' <TASK>\n', ' </TASK>\n',
  ' <IRQ>\n', 'RIP: 0010:', 'Code: ', '<', '>', 'Modules linked in: ', '---[ end trace 0000000000000000 ]---\n', 'CPU: 0 PID: 0 Comm: ',
  ' Tainted: G        W  OE ', '+0x', '/0x', ' [', ']', '? ', 'general protection fault', 'INFO: task x:1 blocked for more than 120 seconds.\n',
  'watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [x:1]\n', 'rcu: INFO: rcu_sched detected stalls on CPUs/tasks:\n',
  'x invoked oom-killer: gfp_mask=0x0\n', 'sysrq: Trigger a crash\n', 'Linux version 6.1.0 (x) #1 SMP\n', 'Command line: ',
  '\xff\xfe', 'ðŸ’¥', 'list_del corruption', 'KASAN: use-after-free in f+0x1/0x2\n', '==================================================================\n',
  ...PREFIX_TOKENS,
];

/** Properties every log result must keep, whatever the input. */
function checkLogResult(r: ReturnType<typeof readLog>, inputBytes: number, maxEvents = 1000): void {
  const cap = maxEvents + MAX_EXTRA_PANICKED;
  if (r.events.length > cap) throw new Error(`property: ${r.events.length} events kept (cap ${cap})`);
  if (r.events.slice(Math.max(1, maxEvents)).some((e) => !e.panicked)) throw new Error('property: an event past maxEvents that did not panic');
  for (const e of r.events) {
    if (e.lines.length > MAX_EVENT_LINES) throw new Error(`property: event keeps ${e.lines.length} lines (cap ${MAX_EVENT_LINES})`);
    const chars = e.lines.reduce((a, l) => a + l.length + 1, 0);
    if (chars > MAX_EVENT_CHARS) throw new Error(`property: event keeps ${chars} characters (cap ${MAX_EVENT_CHARS})`);
    if (e.header.length > MAX_LINE_CHARS + 16) throw new Error(`property: header of ${e.header.length} chars`);
    if (e.source.startLine > e.source.endLine) throw new Error('property: event source range is reversed');
    if (typeof e.title !== 'string') throw new Error('property: event without a title');
  }
  if (r.source.bytes > inputBytes + 16) throw new Error(`property: source says ${r.source.bytes} bytes, input had ${inputBytes}`);
}

// ---------------------------------------------------------------------------------------------------
// Log, crash session, titles, whole pipeline

const logTarget: FuzzTarget = {
  name: 'log',
  what: 'log reader: readLog(name, data) (format detection, line normalisation, headers, bodies, events)',
  seeds: logSeeds,
  tokens: LOG_TOKENS,
  run(input) {
    const r = readLog('fuzz.log', input);
    checkLogResult(r, input.length);
    JSON.stringify(r);
  },
};

/** The streaming reader fed in pieces cut at positions taken from the input must give what readLog gives. */
const logStreamTarget: FuzzTarget = {
  name: 'log-stream',
  what: 'log reader streaming: createLogReader().push() in odd-sized chunks (split UTF-8, split CR/LF) equals readLog',
  seeds: () => [...logSeeds().filter((_, i) => i % 3 === 0), ...regressions('log-stream')],
  tokens: LOG_TOKENS,
  run(input) {
    const whole = readLog('fuzz.log', input);
    const r = createLogReader('fuzz.log', undefined, {});
    const k = input.length ? (input[0]! % 7) + 1 : 1;
    let pos = 0;
    for (let i = 0; pos < input.length; i++) {
      const n = Math.max(1, ((input[(i * 31) % input.length]! * k) % 97) + (i % 3 === 0 ? 0 : 400));
      r.push(input.subarray(pos, pos + n));
      pos += n;
    }
    const streamed = r.end();
    checkLogResult(streamed, input.length);
    const a = whole.events.map((e) => `${e.kind}|${e.header}|${e.source.startLine}-${e.source.endLine}|${e.title}`);
    const b = streamed.events.map((e) => `${e.kind}|${e.header}|${e.source.startLine}-${e.source.endLine}|${e.title}`);
    if (a.join('\n') !== b.join('\n')) throw new Error(`property: chunked reading differs from whole reading:\n  whole:   ${a.join(' / ').slice(0, 300)}\n  chunked: ${b.join(' / ').slice(0, 300)}`.replace(/\n/g, ' '));
  },
};

/**
 * Count-only mode (past the detail limit) on small inputs: maxEvents 0-2 and a small character budget,
 * taken from the input, so that the scan, the recent-lines ring, the detailed re-read of a report that
 * took a boot down and boot sampling all run; chunked reading must equal whole reading there too.
 */
const logCountTarget: FuzzTarget = {
  name: 'log-count',
  what: 'log reader count-only mode: readLog / createLogReader with maxEvents 0-2 and a small maxKeptChars (header scan, panic re-read, boots), chunked == whole',
  seeds: () => [...logSeeds().filter((_, i) => i % 3 === 1), ...regressions('log-count')],
  tokens: LOG_TOKENS,
  run(input) {
    const opts = { maxEvents: input.length ? input[0]! % 3 : 0, maxKeptChars: input.length > 1 ? (input[1]! % 4) * 2048 : 0 };
    const whole = readLog('fuzz.log', input, opts);
    checkLogResult(whole, input.length, opts.maxEvents);
    const r = createLogReader('fuzz.log', undefined, opts);
    let pos = 0;
    for (let i = 0; pos < input.length; i++) {
      const n = Math.max(1, ((input[(i * 17) % input.length]! * 5) % 89) + (i % 2 === 0 ? 0 : 700));
      r.push(input.subarray(pos, pos + n));
      pos += n;
    }
    const streamed = r.end();
    const shape = (x: typeof whole): string => [
      ...x.events.map((e) => `${e.kind}|${e.header}|${e.source.startLine}-${e.source.endLine}|${e.title}|${e.panicked}|${e.boot}`),
      `panic ${x.panic?.message ?? '-'}`, `boots ${x.boots}`, `omitted ${x.eventsOmitted.count}`,
    ].join(' / ');
    const a = shape(whole);
    const b = shape(streamed);
    if (a !== b) throw new Error(`property: chunked reading differs from whole reading: whole: ${a.slice(0, 400)} chunked: ${b.slice(0, 400)}`.replace(/\n/g, ' '));
  },
};

function crashSessionSeeds(): Buffer[] {
  const seeds: Buffer[] = [];
  for (const f of labFiles(/^crash-.*\.txt$/)) {
    const b = readFileSync(f);
    if (f.endsWith('crash-session.txt')) {
      // One window per command of the transcript, so that every command's parser gets seeds.
      const s = b.toString('latin1');
      const starts: number[] = [];
      const re = /^crash> .*$/gm;
      let m: RegExpExecArray | null;
      while ((m = re.exec(s))) starts.push(m.index);
      starts.forEach((st, i) => {
        const end = Math.min(starts[i + 1] ?? s.length, st + 4096);
        seeds.push(b.subarray(st, end));
      });
    } else if (!/crash-(log|sys-c|bt-r)\.txt$/.test(f)) seeds.push(b.subarray(0, 4096));
    else seeds.push(b.subarray(0, 2048));
  }
  const inv = join(repoRoot(), 'test', 'fixtures', 'investigations');
  if (existsSync(inv)) for (const f of readdirSync(inv).filter((n) => n.endsWith('.crash.txt'))) seeds.push(readFileSync(join(inv, f)).subarray(0, 8192));
  // Transcripts pasted indented (a quoted block, a markdown list): the reader strips the common indent.
  const indented = seeds.slice(0, 16).map((b) => Buffer.from(b.toString('latin1').replace(/^/gm, '    '), 'latin1'));
  return [...seeds, ...indented, ...regressions('crash-session')];
}

const crashSessionTarget: FuzzTarget = {
  name: 'crash-session',
  what: 'crash-session reader: readCrashSession(name, text) (sys, bt, log, mod, ps, sys -c, sym, dis, struct, rd, kmem, runq; indented transcripts), then the crash event of a session without log (eventFromDump: crashed bt, trap kind)',
  seeds: crashSessionSeeds,
  tokens: [
    'crash> ', 'crash> bt\n', 'crash> bt -a\n', 'crash> sys -c\n', 'crash> mod\n', 'crash> log\n', 'crash> ps\n', 'crash> sym ', 'crash> rd -a ',
    'crash> dis -rl ', 'crash> struct sock ', 'crash> kmem -i\n', 'crash> runq\n', 'PID: 1  TASK: ffff888000000000  CPU: 0  COMMAND: "x"\n',
    ' #0 [ffffc90000000000] f at ffffffff81000000\n', '    [exception RIP: f+0x1]\n', 'invalid sys_call_table entry', '  PANIC: "', '"\n',
    '      KERNEL: ', '    RELEASE: ', 'ffffffffc0000000', '\n', '\0', '\x1b[2J', '  [ffff', ' at ', ' [mod]', '  = ', '{\n', '}\n',
    '    crash> bt\n', '    [RA: c0391a91  SP: c0785ba4  FP: c0785bc8  SIZE: 40]\n', ' sysrq_handle_crash at ', ' oops_end at ', ' do_stack_segment at ',
    ' __stack_chk_fail at ', ' out_of_memory at ', ' panic at ', '/usr/src/debug/kernel-4.18.0-1.el8/linux-4.18.0-1.el8.x86_64/mm/x.c: 1\n',
    ": module license 'CDDL' taints kernel.\n", 'at virtual address 0000000000000000',
  ],
  run(input) {
    const r = readCrashSession('fuzz.crash', input.toString('utf8'));
    const early = r.gaps.find((g) => g.what.includes('stopped early'));
    if (early) throw new Error(`crash-session reader threw inside: ${early.what}`);
    const f = r.facts;
    for (const [k, v] of Object.entries(f)) if (Array.isArray(v) && v.length > MAX_FACTS) throw new Error(`property: ${v.length} ${k} (cap ${MAX_FACTS})`);
    JSON.stringify(r);
    const ev = eventFromDump(r.panicMessage, r.facts);
    if (ev && !ev.panicked) throw new Error('property: the crash event of a session is the one that panicked');
    JSON.stringify(ev);
  },
};

const titleTarget: FuzzTarget = {
  name: 'title',
  what: 'syzbot titles: parseFirstReport(text) (oops table, report cut, frame choice, normalisation, corruption), without the catch-all of findFirstCrash',
  seeds: () => {
    const s: Buffer[] = [];
    for (const f of corpusFiles()) s.push(readFileSync(f).subarray(0, 6144));
    for (const f of labFiles(/^console\.log$/)) s.push(...windows(readFileSync(f), 6144, 2).slice(1));
    if (s.length === 0) s.push(...logSeeds());
    return [...s, ...regressions('title')];
  },
  tokens: LOG_TOKENS,
  run(input) {
    const text = input.toString('latin1');
    const r = parseFirstReport(text);
    if (r) {
      if (!(r.start >= 0 && r.start <= r.end && r.end <= text.length)) throw new Error(`property: report span ${r.start}-${r.end} outside 0-${text.length}`);
      if (typeof r.title !== 'string' || r.title.includes('\n')) throw new Error('property: title is not one line');
    }
    findFirstCrash(text);
  },
};

const analyzeTarget: FuzzTarget = {
  name: 'analyze',
  what: 'whole pipeline on in-memory inputs: analyze([{name, data}]) (detection, log / crash-session readers, merge, diagnosis)',
  seeds: () => {
    const logs = logSeeds();
    const cs = crashSessionSeeds();
    const s: Buffer[] = [];
    for (let i = 0; i < logs.length; i += 4) s.push(logs[i]!);
    for (let i = 0; i < cs.length; i += 3) s.push(cs[i]!);
    return [...s, ...regressions('analyze')];
  },
  tokens: [...LOG_TOKENS, 'crash> sys\n', 'crash> bt\n', 'KDUMP   ', '\x7fELF', 'makedumpfile\0', '\x28\xb5\x2f\xfd'],
  run(input) {
    // Dumps need a path: magic bytes from the mutator make analyze() name that as a gap.
    const r = analyze([{ name: 'fuzz-input', data: input }]);
    if (r.events.length > 1000) throw new Error(`property: ${r.events.length} events in the report`);
    JSON.stringify(r);
  },
};

// ---------------------------------------------------------------------------------------------------
// vmcore: carving small real inputs from the lab dumps

/** Unwraps a lab .zst dump into the seed cache (zstd CLI, else fzstd streaming); null without the lab. */
function unwrapped(scenario: string, file = 'vmcore.zst'): string | null {
  const src = join(LAB_OUT, scenario, file);
  if (!existsSync(src)) return null;
  if (!file.endsWith('.zst')) return src;
  const out = join(cacheDir(), `${scenario}-${file.replace(/\.zst$/, '')}`);
  if (existsSync(out) && statSync(out).size > 0) return out;
  const tmp = `${out}.${process.pid}.tmp`;
  const r = spawnSync('zstd', ['-q', '-d', '-f', '--long=27', src, '-o', tmp]);
  // Without the zstd CLI the lab carvings are skipped (the hand-made seeds remain).
  if (r.error || r.status !== 0) return null;
  spawnSync('mv', ['-f', tmp, out]);
  return out;
}

interface Carved {
  /** Pages the log reader and the utsname lookup touched, with their raw (compressed) bytes and flags. */
  pages: { pfn: number; data: Buffer; raw: Buffer; flags: number }[];
  vmcoreinfo: string;
  notes: Buffer;
  header: Buffer;
  physBase: bigint;
  maxPfn: number;
}

/** Pages of a lab kdump that reading its log touches: page tables, prb, descriptor/info/text rings, utsname. */
export function carveKdump(path: string): Carved {
  const d = new Dump(path);
  try {
    if (!(d.mem instanceof KdumpMemory) || !d.kdump) throw new Error('carve: not a kdump file');
    const touched = new Set<number>();
    const pc = d.pages;
    const orig = pc.get.bind(pc);
    pc.get = (pfn: number): PageRead => {
      touched.add(pfn);
      return orig(pfn);
    };
    summarize(d, readKernelLog(d));
    const k = d.kdump;
    const bs = k.blockSize;
    const bitmapOff = (1 + k.subHdrSize) * bs;
    const half = Math.floor((k.bitmapBlocks * bs) / 2);
    const bm2 = d.file.read(bitmapOff + half, half);
    const descOff = bitmapOff + k.bitmapBlocks * bs;
    const sorted = [...touched].sort((a, b) => a - b);
    const pages: Carved['pages'] = [];
    let rank = 0;
    let bit = 0;
    for (const pfn of sorted) {
      if (pfn >= d.mem.maxPfn || !((bm2[pfn >> 3]! >> (pfn & 7)) & 1)) continue;
      for (; bit < pfn; bit++) if ((bm2[bit >> 3]! >> (bit & 7)) & 1) rank++;
      const desc = d.file.read(descOff + rank * 24, 24);
      const off = Number(desc.readBigUInt64LE(0));
      const size = desc.readUInt32LE(8);
      const flags = desc.readUInt32LE(12);
      const p = d.mem.readPage(pfn);
      if (!p.data) continue;
      pages.push({ pfn, data: Buffer.from(p.data), raw: Buffer.from(d.file.read(off, size)), flags });
    }
    return {
      pages,
      vmcoreinfo: d.file.read(k.sub.offsetVmcoreinfo!, k.sub.sizeVmcoreinfo!).toString('latin1'),
      notes: Buffer.from(d.file.read(k.sub.offsetNote!, k.sub.sizeNote!)),
      header: Buffer.from(d.file.read(0, 464)),
      physBase: k.sub.physBase ?? 0n,
      maxPfn: d.mem.maxPfn,
    };
  } finally {
    d.close();
  }
}

/**
 * A kdump-compressed v6 file (makedumpfile's diskdump_mod.h layout) holding only the carved pages, with
 * their original compressed bytes and descriptor flags: a real dump's header, VMCOREINFO, notes and
 * pages, small enough to fuzz. The bitmaps cover maxPfn pages (the real dump's RAM size).
 */
export function buildKdump(c: Carved, opts: { maxPfn?: number; pages?: Carved['pages'] } = {}): Buffer {
  const bs = 4096;
  const pages = opts.pages ?? c.pages;
  const maxPfn = opts.maxPfn ?? c.maxPfn;
  const half = Math.max(bs, Math.ceil(Math.ceil(maxPfn / 8) / bs) * bs);
  const bitmapBlocks = (half * 2) / bs;
  const vmci = Buffer.from(c.vmcoreinfo, 'latin1');
  const subHdrSize = Math.ceil((104 + vmci.length + c.notes.length) / bs);
  const descOff = (1 + subHdrSize + bitmapBlocks) * bs;
  const h = Buffer.alloc(bs);
  c.header.copy(h, 0, 0, 464);
  h.writeInt32LE(6, 8);
  h.writeInt32LE(bs, 428);
  h.writeInt32LE(subHdrSize, 432);
  h.writeUInt32LE(bitmapBlocks, 436);
  h.writeUInt32LE(Math.min(maxPfn, 0xffffffff), 440);
  const sub = Buffer.alloc(subHdrSize * bs);
  sub.writeBigUInt64LE(c.physBase, 0);
  sub.writeInt32LE(31, 8);
  sub.writeBigUInt64LE(BigInt(bs + 104), 32);
  sub.writeBigUInt64LE(BigInt(vmci.length), 40);
  sub.writeBigUInt64LE(BigInt(bs + 104 + vmci.length), 48);
  sub.writeBigUInt64LE(BigInt(c.notes.length), 56);
  sub.writeBigUInt64LE(BigInt(maxPfn), 96);
  vmci.copy(sub, 104);
  c.notes.copy(sub, 104 + vmci.length);
  const bm1 = Buffer.alloc(half);
  const bm2 = Buffer.alloc(half);
  const sorted = [...pages].filter((p) => p.pfn < maxPfn).sort((a, b) => a.pfn - b.pfn);
  for (const p of sorted) {
    bm1[p.pfn >> 3]! |= 1 << (p.pfn & 7);
    bm2[p.pfn >> 3]! |= 1 << (p.pfn & 7);
  }
  const descs = Buffer.alloc(sorted.length * 24);
  const data: Buffer[] = [];
  let off = descOff + descs.length;
  sorted.forEach((p, i) => {
    descs.writeBigUInt64LE(BigInt(off), i * 24);
    descs.writeUInt32LE(p.raw.length, i * 24 + 8);
    descs.writeUInt32LE(p.flags, i * 24 + 12);
    data.push(p.raw);
    off += p.raw.length;
  });
  return Buffer.concat([h, sub, bm1, bm2, descs, ...data]);
}

const carvedCache = new Map<string, Carved | null>();
/** Carved pages of a lab kdump scenario, cached on disk as a small kdump (rebuilt when missing). */
export function carved(scenario: string, file = 'vmcore.zst'): Carved | null {
  const key = `${scenario}/${file}`;
  if (carvedCache.has(key)) return carvedCache.get(key)!;
  let c: Carved | null = null;
  const cached = join(cacheDir(), `carved-${scenario}-${file.replace(/\W+/g, '_')}.kdump`);
  try {
    if (!existsSync(cached)) {
      const path = unwrapped(scenario, file);
      if (path) {
        const full = carveKdump(path);
        writeFileSync(`${cached}.${process.pid}`, buildKdump(full));
        spawnSync('mv', ['-f', `${cached}.${process.pid}`, cached]);
      }
    }
    if (existsSync(cached)) c = carveKdump(cached);
  } catch {
    c = null;
  }
  carvedCache.set(key, c);
  return c;
}

// ---------------------------------------------------------------------------------------------------
// A tiny container for memory images (printk and page-walk targets): fast, no file needed.
//   'KTMI' | u64 physBase | u32 len | VMCOREINFO text | u32 n | n x (u32 pfn, 4096 bytes) | trailer
// The trailer (page-walk target) holds virtual addresses to translate, 8 bytes each.

const PAGE = 4096;

export function packImage(vmcoreinfo: string, pages: Map<number, Buffer>, physBase = 0n, trailer: Buffer = Buffer.alloc(0)): Buffer {
  const vi = Buffer.from(vmcoreinfo, 'latin1');
  const head = Buffer.alloc(20);
  head.write('KTMI', 0, 'latin1');
  head.writeBigUInt64LE(physBase, 4);
  head.writeUInt32LE(vi.length, 12);
  const n = Buffer.alloc(4);
  n.writeUInt32LE(pages.size, 0);
  const parts: Buffer[] = [head.subarray(0, 16), vi, n];
  for (const [pfn, data] of [...pages].sort((a, b) => a[0] - b[0])) {
    const p = Buffer.alloc(4);
    p.writeUInt32LE(pfn, 0);
    parts.push(p, data.subarray(0, PAGE), Buffer.alloc(PAGE - Math.min(PAGE, data.length)));
  }
  return Buffer.concat([...parts, trailer]);
}

class MapMemory implements PhysMemory {
  readonly pageSize = PAGE;
  readonly maxPfn = 2 ** 40;
  pagesRead = 0;
  constructor(private pages: Map<number, Buffer>) {}
  readPage(pfn: number): PageRead {
    const p = this.pages.get(pfn);
    if (!p) return { status: 'absent', data: null };
    this.pagesRead++;
    return { status: 'ok', data: p };
  }
  countPages(): { total: number; dumpable: number; excluded: null; zero: null } {
    return { total: this.pages.size, dumpable: this.pages.size, excluded: null, zero: null };
  }
}

/** Harness side (not under test): unpacks an image leniently, bounded by the input. */
export function unpackImage(b: Buffer): { dump: Dump; trailer: Buffer } | null {
  if (b.length < 20 || b.toString('latin1', 0, 4) !== 'KTMI') return null;
  const physBase = b.readBigUInt64LE(4);
  const vlen = Math.min(b.readUInt32LE(12), b.length - 16);
  const vi = b.subarray(16, 16 + vlen);
  let pos = 16 + vlen;
  const pages = new Map<number, Buffer>();
  if (pos + 4 <= b.length) {
    const n = b.readUInt32LE(pos);
    pos += 4;
    for (let i = 0; i < n && pos + 4 + PAGE <= b.length; i++) {
      pages.set(b.readUInt32LE(pos), b.subarray(pos + 4, pos + 4 + PAGE));
      pos += 4 + PAGE;
    }
  }
  const info = parseVmcoreInfo(vi);
  const mem = new MapMemory(pages);
  const cache = new PageCache(mem);
  // A Dump over in-memory pages: the same object readKernelLog() gets from a file, minus the file.
  const dump = Object.create(Dump.prototype) as Dump;
  Object.assign(dump, {
    path: 'fuzz-image', format: 'kdump', mem, pages: cache, vmcoreinfo: info, kdump: null, elf: null, arch: 'x86_64',
    notes: { prstatus: [], vmcoreinfo: vi, qemuCpus: [], other: 0, truncated: false }, warnings: [], flatRecords: null,
    translator: new X86_64Translator(cache, PAGE, info, physBase),
  });
  return { dump, trailer: b.subarray(Math.min(pos, b.length)) };
}

// Hand-made printk layouts of the two older generations (struct printk_log of kernel/printk/printk.c
// 3.11-5.9: ts_nsec u64, len u16, text_len u16, dict_len u16, facility u8, flags:5/level:3; and the plain
// pre-3.5 character log_buf with log_end), laid out in a SynthImage as the kernel's VMCOREINFO describes.
function variableImage(): SynthImage {
  const img = new SynthImage(1 << 20);
  const buf = 0x8000;
  const len = 4096;
  img.info('OSRELEASE=4.19.0-handmade');
  img.info('PAGESIZE=4096');
  img.info('NUMBER(phys_base)=0');
  for (const [s, pa] of [['log_buf', 0x1000], ['log_buf_len', 0x1008], ['log_first_idx', 0x1010], ['log_next_idx', 0x1018]] as const) img.info(`SYMBOL(${s})=${img.textVa(pa).toString(16)}`);
  for (const l of ['SIZE(printk_log)=16', 'OFFSET(printk_log.ts_nsec)=0', 'OFFSET(printk_log.len)=8', 'OFFSET(printk_log.text_len)=10', 'OFFSET(printk_log.dict_len)=12']) img.info(l);
  img.u64(0x1000, img.textVa(buf));
  img.u32(0x1008, len);
  let p = 0;
  const texts = ['Linux version 4.19.0 (hand-made)', 'BUG: unable to handle kernel NULL pointer dereference at 0000000000000008', 'Kernel panic - not syncing: Fatal exception'];
  texts.forEach((t, i) => {
    const dict = i === 1 ? 'SUBSYSTEM=pci\0DEVICE=+pci:0000:00:01.0' : '';
    const total = (16 + t.length + dict.length + 7) & ~7;
    img.u64(buf + p, BigInt(i + 1) * 1_000_000n);
    img.u16(buf + p + 8, total);
    img.u16(buf + p + 10, t.length);
    img.u16(buf + p + 12, dict.length);
    img.mem[buf + p + 15] = (4 << 5) | 0;
    img.bytes(buf + p + 16, t);
    img.bytes(buf + p + 16 + t.length, dict);
    p += total;
  });
  img.u32(0x1010, 0);
  img.u32(0x1018, p);
  return img;
}

function plainImage(wrapped: boolean): SynthImage {
  const img = new SynthImage(1 << 20);
  const buf = 0x8000;
  const len = 4096;
  img.info('OSRELEASE=2.6.32-handmade');
  img.info('PAGESIZE=4096');
  img.info('NUMBER(phys_base)=0');
  for (const [s, pa] of [['log_buf', 0x1000], ['log_buf_len', 0x1008], ['log_end', 0x1010]] as const) img.info(`SYMBOL(${s})=${img.textVa(pa).toString(16)}`);
  img.u64(0x1000, img.textVa(buf));
  img.u32(0x1008, len);
  const text = '<4>[    1.000000] BUG: unable to handle kernel paging request at ffff\n<0>Kernel panic - not syncing: Fatal exception\n';
  img.bytes(buf, text);
  img.u32(0x1010, wrapped ? len * 3 + text.length : text.length);
  return img;
}

function imageOf(img: SynthImage): Buffer {
  const pages = new Map<number, Buffer>();
  for (let pfn = 0; pfn * PAGE < img.mem.length; pfn++) {
    const p = img.mem.subarray(pfn * PAGE, (pfn + 1) * PAGE);
    if (p.some((x) => x !== 0)) pages.set(pfn, p);
  }
  return packImage(img.vmcoreinfo(), pages);
}

function labImages(): Buffer[] {
  const out: Buffer[] = [];
  for (const sc of ['sysrq-c', 'oops-null-module']) {
    const c = carved(sc);
    if (c) out.push(packImage(c.vmcoreinfo, new Map(c.pages.map((p) => [p.pfn, p.data])), c.physBase));
  }
  return out;
}

const printkTarget: FuzzTarget = {
  name: 'printk',
  what: 'printk records of the three generations (lockless ring, printk_log records, plain log_buf) and their makedumpfile formatting: readKernelLog + formatLog',
  seeds: () => [...labImages(), imageOf(helloImage()), imageOf(variableImage()), imageOf(plainImage(false)), imageOf(plainImage(true)), ...regressions('printk')],
  tokens: ['SYMBOL(prb)=', 'SYMBOL(log_buf)=', 'SYMBOL(log_end)=', 'SIZE(printk_log)=', 'OFFSET(prb_desc_ring.count_bits)=', '\n', '=ffffffffffffffff\n', '=0\n', '=4294967295\n'],
  mayThrow: true,
  run(input) {
    const u = unpackImage(input);
    if (!u) return;
    const log = readKernelLog(u.dump);
    if (log.records.length > 1 << 24) throw new Error(`property: ${log.records.length} records`);
    const out = formatLog(log);
    if (out.length > 1 << 30) throw new Error('property: formatted log over 1 GiB');
  },
};

const pagewalkTarget: FuzzTarget = {
  name: 'pagewalk',
  what: 'x86_64 page-table walk: X86_64Translator.translate (4/5 levels, large pages, SME mask, loops, absent tables)',
  seeds: () => {
    const s: Buffer[] = [];
    const vas = (list: bigint[]): Buffer => {
      const b = Buffer.alloc(list.length * 8);
      list.forEach((v, i) => b.writeBigUInt64LE(BigInt.asUintN(64, v), i * 8));
      return b;
    };
    const common = [0xffff888000001000n, 0xffff888000200000n, 0xffff888000201234n, 0xffffc90000000000n, 0xffffffffc0000000n, 0xffffffff81000000n, 0n, 0x7fffffffffffn];
    for (const c of [carved('sysrq-c')].filter((x): x is Carved => x !== null)) {
      const info = parseVmcoreInfo(c.vmcoreinfo);
      const syms = [...info.symbols.values()];
      s.push(packImage(c.vmcoreinfo, new Map(c.pages.map((p) => [p.pfn, p.data])), c.physBase, vas([...syms.slice(0, 24), ...common])));
    }
    const img = new SynthImage(1 << 20);
    img.pageTables({ fourK: [[0, 0x20000], [1, 0x21000]] });
    img.info('NUMBER(phys_base)=0');
    s.push(packImage(img.vmcoreinfo(), new Map([[0x10, img.mem.subarray(0x10000, 0x11000)], [0x11, img.mem.subarray(0x11000, 0x12000)], [0x12, img.mem.subarray(0x12000, 0x13000)], [0x13, img.mem.subarray(0x13000, 0x14000)]]), 0n, vas(common)));
    const l5 = new SynthImage(1 << 20);
    l5.pageTables({ sme: 1n << 47n });
    l5.info('NUMBER(pgtable_l5_enabled)=1');
    l5.info('NUMBER(sme_mask)=140737488355328');
    s.push(packImage(l5.vmcoreinfo(), new Map([[0x10, l5.mem.subarray(0x10000, 0x11000)], [0x11, l5.mem.subarray(0x11000, 0x12000)], [0x12, l5.mem.subarray(0x12000, 0x13000)]]), 0n, vas(common)));
    return [...s, ...regressions('pagewalk')];
  },
  tokens: ['\x63\x10\x00\x00\x00\x00\x00\x00', '\xe3\x00\x00\x00\x00\x00\x00\x00', '\x00\x00\x88\x88\xff\xff', 'NUMBER(pgtable_l5_enabled)=1\n', 'NUMBER(phys_base)=-4096\n', 'NUMBER(sme_mask)=140737488355328\n'],
  run(input) {
    const u = unpackImage(input);
    if (!u) return;
    const t = u.dump.translator!;
    const n = Math.min(64, Math.floor(u.trailer.length / 8));
    for (let i = 0; i < n; i++) {
      const va = u.trailer.readBigUInt64LE(i * 8);
      const r = t.translate(va);
      if ('pa' in r && !(Number.isSafeInteger(r.pa) && r.pa >= 0)) throw new Error(`property: translation of ${va.toString(16)} gave pa ${r.pa}`);
      const v = u.dump.readVirt(va, 64);
      if (v.data.length !== 64) throw new Error('property: readVirt length');
    }
  },
};

// ---------------------------------------------------------------------------------------------------
// Dump headers, notes, VMCOREINFO, page descriptors and decompressors

function vmcoreinfoSeeds(): Buffer[] {
  const s: Buffer[] = [];
  for (const sc of ['sysrq-c']) {
    const c = carved(sc);
    if (c) s.push(Buffer.from(c.vmcoreinfo, 'latin1'));
  }
  s.push(Buffer.from(helloImage().vmcoreinfo(), 'latin1'), Buffer.from(variableImage().vmcoreinfo(), 'latin1'));
  return [...s, ...regressions('vmcoreinfo')];
}

const vmcoreinfoTarget: FuzzTarget = {
  name: 'vmcoreinfo',
  what: 'VMCOREINFO note: parseVmcoreInfo(text) (KEY=VALUE, SYMBOL/SIZE/OFFSET/LENGTH/NUMBER)',
  seeds: vmcoreinfoSeeds,
  tokens: ['SYMBOL(', 'OFFSET(', 'SIZE(', 'LENGTH(', 'NUMBER(', ')=', '=', '\n', '\0', 'ffffffffffffffffff', '-9223372036854775808', '99999999999999999999', 'PAGESIZE=', 'CRASHTIME=', 'BUILD-ID=', 'KERNELOFFSET='],
  run(input) {
    const v = parseVmcoreInfo(input);
    if (v.other.size > 4096) throw new Error(`property: ${v.other.size} other keys kept`);
    if (v.pageSize !== null && !Number.isSafeInteger(v.pageSize)) throw new Error('property: page size not an integer');
  },
};

function noteSeeds(): Buffer[] {
  const s: Buffer[] = [];
  const c = carved('sysrq-c');
  if (c) s.push(c.notes);
  s.push(Buffer.concat([prstatus(1234, { rip: 0xffffffff81000000n, rsp: 0xffffc90000001000n }), note('QEMU', 0, Buffer.alloc(8 + 18 * 8 + 10 * 24 + 5 * 8, 0x11)), note('VMCOREINFO', 0, Buffer.from('OSRELEASE=6.1.0\n'))]));
  return [...s, ...regressions('elf-notes')];
}

const notesTarget: FuzzTarget = {
  name: 'elf-notes',
  what: 'ELF notes: parseNotes(buf) (NT_PRSTATUS registers, VMCOREINFO, QEMU CPU state)',
  seeds: noteSeeds,
  tokens: ['CORE\0\0\0\0', 'VMCOREINFO\0\0', 'QEMU\0\0\0\0', '\xff\xff\xff\xff', '\x00\x10\x00\x00'],
  run(input) {
    const n = parseNotes(input, 62);
    if (n.prstatus.length + n.qemuCpus.length > 65536) throw new Error('property: more notes than the cap');
  },
};

let elfSeedCache: Buffer[] | null = null;
function elfSeeds(): Buffer[] {
  if (elfSeedCache) return elfSeedCache;
  const s: Buffer[] = [];
  // The head of the lab's filtered ELF (makedumpfile -E): ELF header, program headers, notes.
  const elf = unwrapped('stack-protector-module', 'vmcore.elf.zst');
  if (elf) {
    const fd = openSync(elf, 'r');
    try {
      const b = Buffer.alloc(64 * 1024);
      const n = readSync(fd, b, 0, b.length, 0);
      s.push(b.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }
  // Hand-made (testkit.writeElfCore, elf.h layout): one note segment and three loads, one past the file.
  const f = join(scratchDir(), 'seed.elf');
  const img = helloImage();
  writeElfCore(f, Buffer.concat([prstatus(1), note('VMCOREINFO', 0, Buffer.from(img.vmcoreinfo(), 'latin1'))]), [
    { paddr: 0, data: img.mem.subarray(0, 0x6000) }, { paddr: 0x100000, data: Buffer.alloc(4096, 7), extra: 8192 }, { paddr: 0x200000, data: Buffer.alloc(100, 1) },
  ]);
  s.push(readFileSync(f));
  elfSeedCache = [...s, ...regressions('elf-header')];
  return elfSeedCache;
}

const elfTarget: FuzzTarget = {
  name: 'elf-header',
  what: 'ELF64 core headers: parseElfCore (e_phnum/PN_XNUM, PT_LOAD/PT_NOTE, bounds) and ElfMemory.readPage/countPages',
  seeds: elfSeeds,
  tokens: ['\xff\xff', '\x7fELF\x02\x01\x01', '\x04\x00\x3e\x00', '\x01\x00\x00\x00\x07\x00\x00\x00', '\x04\x00\x00\x00', '\xff\xff\xff\xff\xff\xff\xff\x7f'],
  mayThrow: true,
  run(input) {
    const core = parseElfCore(new BufferFile(input));
    const mem = new ElfMemory(new BufferFile(input), core, PAGE);
    mem.countPages();
    const pfns = [0, 1, 5, 0x100, 0x101, 0x200, mem.maxPfn - 1, mem.maxPfn];
    for (const s of core.loads.slice(0, 8)) pfns.push(Math.floor(s.paddr / PAGE));
    for (const p of pfns) {
      const r = mem.readPage(p);
      if (r.data && r.data.length !== PAGE) throw new Error(`property: page of ${r.data.length} bytes`);
    }
    parseNotes(Buffer.concat(core.notes.slice(0, 16).map((n) => input.subarray(n.offset, n.offset + Math.min(n.size, 1 << 20)))));
  },
};

let kdumpSeedCache: Buffer[] | null = null;
/** Small real kdumps: a lab dump's header, VMCOREINFO and notes with a dozen of its real pages (lzo, zlib). */
function kdumpSeeds(): Buffer[] {
  if (kdumpSeedCache) return kdumpSeedCache;
  const s: Buffer[] = [];
  for (const [sc, file] of [['sysrq-c', 'vmcore.zst'], ['stack-protector-module', 'vmcore']] as const) {
    const c = carved(sc, file);
    if (!c) continue;
    // A dozen pages and a RAM size of 64k pages keep the file near 60 KiB.
    const few = c.pages.filter((p) => p.pfn < 65536).slice(0, 12);
    if (few.length) s.push(buildKdump(c, { maxPfn: 65536, pages: few }));
  }
  // Hand-made (testkit.writeKdump, makedumpfile's layout) with zlib and uncompressed pages.
  for (const codec of ['zlib', 'none'] as const) {
    const f = join(scratchDir(), `seed-${codec}.kdump`);
    const img = helloImage();
    const pages = new Map([...img.kdumpPages()].slice(0, 16));
    writeKdump(f, { pageSize: PAGE, maxPfn: 64, pages, vmcoreinfo: img.vmcoreinfo(), codec, release: '6.1.0-handmade' });
    s.push(readFileSync(f));
  }
  kdumpSeedCache = [...s, ...regressions('kdump')];
  return kdumpSeedCache;
}

const kdumpTarget: FuzzTarget = {
  name: 'kdump',
  what: 'kdump-compressed headers, bitmaps and page descriptors: parseKdumpHeader, KdumpMemory.readPage (rank walk, descriptor checks, codec dispatch), countPages',
  seeds: kdumpSeeds,
  tokens: ['KDUMP   ', '\xff\xff\xff\x7f', '\x00\x10\x00\x00', '\x00\x00\x00\x00\x00\x00\x00\x80', '\x01\x00\x00\x00', '\x02\x00\x00\x00', '\x04\x00\x00\x00', '\x20\x00\x00\x00'],
  mayThrow: true,
  run(input) {
    const f = new BufferFile(input);
    const h = parseKdumpHeader(f);
    const mem = new KdumpMemory(f, h);
    let stored = 0;
    mem.forEachDumped((pfn) => {
      if (stored++ < 24) {
        const r = mem.readPage(pfn);
        if (r.data && r.data.length !== mem.pageSize) throw new Error(`property: page of ${r.data.length} bytes`);
      }
    });
    for (const p of [0, 1, mem.maxPfn - 1, mem.maxPfn, 2 ** 31]) mem.readPage(p);
    mem.countPages();
  },
};

let flatSeedCache: Buffer[] | null = null;
function flatSeeds(): Buffer[] {
  if (flatSeedCache) return flatSeedCache;
  const s: Buffer[] = [];
  for (const k of kdumpSeeds().slice(0, 3)) {
    const src = join(scratchDir(), 'flat-src');
    const dst = join(scratchDir(), 'flat-dst');
    writeFileSync(src, k);
    writeFlattened(src, dst, 8192);
    s.push(readFileSync(dst));
  }
  flatSeedCache = [...s, ...regressions('flattened')];
  return flatSeedCache;
}

const flatTarget: FuzzTarget = {
  name: 'flattened',
  what: 'flattened makedumpfile format: FlatFile record index (order, overlaps, truncation) and reads through it, then the kdump header inside',
  seeds: flatSeeds,
  tokens: ['makedumpfile\0', '\xff\xff\xff\xff\xff\xff\xff\xff', '\x00\x00\x00\x00\x00\x00\x00\x00', '\x00\x00\x00\x00\x00\x00\x10\x00', '\x7f\xff\xff\xff\xff\xff\xff\xff'],
  mayThrow: true,
  run(input) {
    const f = new FlatFile(new BufferFile(input));
    if (f.size > 2 ** 53) throw new Error('property: flattened size not exact');
    for (const [o, l] of [[0, 464], [4096, 8192], [f.size - 100, 200], [f.size / 2, 4096]] as const) {
      const b = f.read(Math.floor(o), l);
      if (b.length > l) throw new Error('property: read longer than asked');
    }
    if (isKdump(f.read(0, 8))) {
      const h = parseKdumpHeader(f);
      const mem = new KdumpMemory(f, h);
      let n = 0;
      mem.forEachDumped((pfn) => {
        if (n++ < 8) mem.readPage(pfn);
      });
    }
  },
};

/** Page decoders: the input is one compressed page, read through KdumpMemory.readPage exactly as a dump's page. */
function pageTarget(codec: 'lzo' | 'zlib' | 'snappy' | 'zstd'): FuzzTarget {
  const flag = { zlib: 0x1, lzo: 0x2, snappy: 0x4, zstd: 0x20 }[codec];
  // A one-page kdump (makedumpfile's layout) around the page; header built once, the page appended per run.
  const vmci = Buffer.from('OSRELEASE=6.1.0-fuzz\nPAGESIZE=4096\n', 'latin1');
  const head = Buffer.alloc(4 * PAGE);
  head.write('KDUMP   ', 0, 'latin1');
  head.writeInt32LE(6, 8);
  head.write('x86_64', 12 + 65 * 4, 'latin1');
  head.writeInt32LE(PAGE, 428);
  head.writeInt32LE(1, 432);
  head.writeUInt32LE(2, 436);
  head.writeUInt32LE(8, 440);
  head.writeBigUInt64LE(BigInt(PAGE + 104), PAGE + 32);
  head.writeBigUInt64LE(BigInt(vmci.length), PAGE + 40);
  vmci.copy(head, PAGE + 104);
  head[2 * PAGE] = 0x02; // pfn 1 in RAM
  head[3 * PAGE] = 0x02; // pfn 1 dumped (2nd bitmap: bitmapBlocks * bs / 2 past the 1st)
  const descOff = 4 * PAGE;
  return {
    name: `page-${codec}`,
    what: `${codec} page decoding through KdumpMemory.readPage (descriptor flag 0x${flag.toString(16)}, output capped at the page size)`,
    seeds: () => [...pageSeeds(codec), ...regressions(`page-${codec}`)],
    tokens: ['\x00', '\x11', '\xff', '\x00\x00\x00', '\x28\xb5\x2f\xfd', '\x78\x9c', '\x80\x20'],
    run(input) {
      const desc = Buffer.alloc(24);
      desc.writeBigUInt64LE(BigInt(descOff + 24), 0);
      desc.writeUInt32LE(input.length, 8);
      desc.writeUInt32LE(flag, 12);
      const file = Buffer.concat([head, desc, input]);
      const f = new BufferFile(file);
      const mem = new KdumpMemory(f, parseKdumpHeader(f));
      const r = mem.readPage(1);
      if (r.status === 'ok' && r.data!.length !== PAGE) throw new Error(`property: page of ${r.data!.length} bytes`);
      if (r.status !== 'ok' && r.status !== 'corrupt') throw new Error(`property: status ${r.status}`);
      if (input.length > 0 && input.length <= PAGE * 2 + 4096 && r.status === 'corrupt' && !/decompress|bytes|uncompressed/.test(r.why ?? '')) throw new Error(`property: unexpected reason ${r.why}`);
    },
  };
}

const pageSeedCache = new Map<string, Buffer[]>();
/** Real compressed pages: lzo from the lab's lzo kdump, zlib from its zlib kdump, snappy/zstd by compressing real pages with those codecs. */
function pageSeeds(codec: 'lzo' | 'zlib' | 'snappy' | 'zstd'): Buffer[] {
  const hit = pageSeedCache.get(codec);
  if (hit) return hit;
  const out: Buffer[] = [];
  const lzo = carved('sysrq-c');
  const zl = carved('stack-protector-module', 'vmcore');
  const real = [...(lzo?.pages ?? []), ...(zl?.pages ?? [])];
  const plain = real.map((p) => p.data).filter((d) => d.some((x) => x !== 0)).slice(0, 16);
  if (plain.length === 0) plain.push(helloImage().mem.subarray(0x3000, 0x4000), helloImage().mem.subarray(0x5000, 0x6000));
  if (codec === 'lzo') out.push(...(lzo?.pages ?? []).filter((p) => p.flags & 0x2).slice(0, 16).map((p) => p.raw));
  if (codec === 'zlib') {
    out.push(...(zl?.pages ?? []).filter((p) => p.flags & 0x1).slice(0, 16).map((p) => p.raw));
    if (out.length === 0) out.push(...plain.map((p) => deflateSync(p)));
  }
  if (codec === 'snappy') out.push(...plain.map((p) => Buffer.from(snappy.compress(new Uint8Array(p)))));
  if (codec === 'zstd') {
    const dir = join(scratchDir(), 'zstd-pages');
    mkdirSync(dir, { recursive: true });
    plain.forEach((p, i) => writeFileSync(join(dir, `p${i}`), p));
    const r = spawnSync('sh', ['-c', `cd "${dir}" && zstd -q -f -3 p* 2>/dev/null`]);
    if (r.status === 0) for (const f of readdirSync(dir).filter((n) => n.endsWith('.zst'))) out.push(readFileSync(join(dir, f)));
  }
  if (out.length === 0) out.push(Buffer.from([0x11, 0, 0]));
  pageSeedCache.set(codec, out);
  return out;
}

let vmcoreSeedCache: Buffer[] | null = null;
/** Whole small dumps read by readVmcore(path): carved real kdumps (lzo, zlib) with every page the log needs. */
function vmcoreSeeds(): Buffer[] {
  if (vmcoreSeedCache) return vmcoreSeedCache;
  const s: Buffer[] = [];
  for (const [sc, file] of [['sysrq-c', 'vmcore.zst'], ['stack-protector-module', 'vmcore']] as const) {
    const c = carved(sc, file);
    if (c) s.push(buildKdump(c));
  }
  s.push(...kdumpSeeds().slice(-2), ...elfSeeds().slice(-1), ...flatSeeds().slice(-1));
  vmcoreSeedCache = [...s, ...regressions('vmcore')];
  return vmcoreSeedCache;
}

const vmcoreTarget: FuzzTarget = {
  name: 'vmcore',
  what: 'whole dump: readVmcore(path) (format detection, headers, notes, VMCOREINFO, translation, printk, utsname, summary)',
  seeds: vmcoreSeeds,
  tokens: kdumpTarget.tokens,
  mayThrow: true,
  run(input) {
    const f = join(scratchDir(), 'fuzz.vmcore');
    writeFileSync(f, input);
    const r = readVmcore(f);
    if (r.log.length > 64 << 20) throw new Error('property: log over 64 MiB from a small dump');
  },
};

// The unwinder over hostile memory: the input is a task stack, code bytes and ORC tables (ip table and
// entries) of a hand-made environment; every walk must end within the frame limit without throwing.
const unwindTarget: FuzzTarget = {
  name: 'unwind',
  what: 'ORC lookup (OrcTable.find over arbitrary, unsorted ip tables) and unwind() (ORC/frame pointers/scan) over arbitrary stacks',
  seeds() {
    const s: Buffer[] = [];
    const t = Buffer.alloc(512, 0x90);
    for (let f = 0; f < 512; f += 64) t[f + 0x1b] = 0xe8;
    const stack = Buffer.alloc(1024);
    for (let i = 0; i < 1024; i += 16) stack.writeBigUInt64LE(0xffffffff81000020n + BigInt((i >> 4) % 8) * 64n, i);
    const ipt = Buffer.alloc(64);
    const orc = Buffer.alloc(96);
    for (let i = 0; i < 16; i++) {
      ipt.writeInt32LE(Number(0xffffffff81000000n + BigInt(i * 32) - (0xffffffff82000000n + BigInt(i * 4))), i * 4);
      orc.writeInt16LE(8 * (i % 4), i * 6);
      orc.writeUInt16LE(5 | ((i % 3) << 8) | (i === 15 ? 0x400 : 0), i * 6 + 4);
    }
    s.push(Buffer.concat([u16(stack.length), u16(t.length), u16(ipt.length), stack, t, ipt, orc]));
    return s;
  },
  run(input) {
    if (input.length < 6) return;
    const a = input.readUInt16LE(0);
    const b = input.readUInt16LE(2);
    const c = input.readUInt16LE(4);
    const rest = input.subarray(6);
    const stack = rest.subarray(0, a);
    const text = rest.subarray(a, a + b);
    const ipTable = rest.subarray(a + b, a + b + c);
    const orc = rest.subarray(a + b + c);
    const env = syntheticUnwindEnv({ stack, text, ipTable, orc });
    {
      for (const [sp, bp, signal] of [[0n, 0n, true], [8n, 16n, false]] as const) {
        const ip = text.length ? SYN_TEXT + BigInt((stack.length ? stack[0]! : 0) % text.length) : SYN_TEXT;
        const r = unwind(env, { ip, sp: SYN_STACK + sp, bp: SYN_STACK + bp, signal });
        if (r.frames.length > MAX_FRAMES) throw new Error(`property: ${r.frames.length} frames`);
      }
    }
  },
};


// ---------------------------------------------------------------------------------------------------
// Kernel memory without a file: a Dump-shaped object over a few regions (kallsyms tables, list nodes),
// giving readVirt/readU32/readU64 with the dump's semantics (missing pages zero-filled and listed).

interface Region { va: bigint; data: Buffer }

function memoryDump(regions: Region[], symbols: Map<string, bigint> = new Map()): Dump {
  const readVirt = (va: bigint, len: number) => {
    if (len < 0 || len > 256 << 20) throw new Error(`refusing to read ${len} bytes of kernel memory`);
    const data = Buffer.alloc(len);
    const bad: { offset: number; status: 'absent'; why: string }[] = [];
    let done = 0;
    while (done < len) {
      const cur = va + BigInt(done);
      const n = Math.min(len - done, 4096 - Number(cur & 0xfffn));
      const r = regions.find((x) => cur >= x.va && cur + BigInt(n) <= x.va + BigInt(x.data.length));
      if (r) r.data.copy(data, done, Number(cur - r.va), Number(cur - r.va) + n);
      else bad.push({ offset: done, status: 'absent', why: 'not in the dump' });
      done += n;
    }
    return { data, bad };
  };
  const d = {
    path: 'fuzz-memory',
    vmcoreinfo: { symbols, sizes: new Map(), offsets: new Map(), lengths: new Map(), numbers: new Map(), other: new Map(), osrelease: null, pageSize: 4096, kernelOffset: null, crashTime: null, buildId: null, malformed: 0 },
    notes: { prstatus: [], qemuCpus: [], vmcoreinfo: null, truncated: false },
    readVirt,
    readU64: (va: bigint) => { const r = readVirt(va, 8); return r.bad.length ? null : r.data.readBigUInt64LE(0); },
    readU32: (va: bigint) => { const r = readVirt(va, 4); return r.bad.length ? null : r.data.readUInt32LE(0); },
  };
  return d as unknown as Dump;
}

/** Messages of JS runtime errors: a parser's catch-all that turns one of these into a gap hides a bug. */
const RUNTIME_ERROR = /Cannot read propert|is not a function|is not iterable|is not defined|out of range|ERR_|Maximum call stack|Invalid array length|Cannot convert/;

// kallsyms tables in one input: 'KSYM' | u32 num | u64 relative_base | u64 SYMBOL(_stext) |
// u32 len(names) | u32 len(token_table) | then names, token_table, token_index (512 bytes), offsets.
const KS = { names: 0xffffffff82000000n, table: 0xffffffff82400000n, index: 0xffffffff82500000n, offsets: 0xffffffff82600000n, num: 0xffffffff82700000n, base: 0xffffffff82700008n };

function packKallsyms(num: number, relBase: bigint, stext: bigint, names: Buffer, tokTable0: Buffer, tokIndex: Buffer, offsets: Buffer): Buffer {
  const tokTable = Buffer.concat([tokTable0, Buffer.alloc(256)]); // readKallsyms reads the last token's offset + 256
  const h = Buffer.alloc(36);
  h.write('KSYM', 0, 'latin1');
  h.writeUInt32LE(num >>> 0, 4);
  h.writeBigUInt64LE(relBase, 8);
  h.writeBigUInt64LE(stext, 16);
  h.writeUInt32LE(names.length, 24);
  h.writeUInt32LE(tokTable.length, 28);
  h.writeUInt32LE(tokIndex.length, 32);
  return Buffer.concat([h, names, tokTable, tokIndex, offsets]);
}

/** Hand-made tables in the kernel's format: tokens 0-255 are single characters but for a few pairs. */
function handKallsyms(): Buffer {
  const tokens = Array.from({ length: 256 }, (_, i) => (i >= 0x20 && i < 0x7f ? String.fromCharCode(i) : ''));
  tokens[1] = 'T_'; tokens[2] = 't_'; tokens[3] = 'sys_'; tokens[4] = 'de';
  const tt: Buffer[] = [];
  const idx = Buffer.alloc(512);
  let off = 0;
  tokens.forEach((t, i) => { idx.writeUInt16LE(off, i * 2); const b = Buffer.from(t + '\0', 'latin1'); tt.push(b); off += b.length; });
  const syms: [string, number][] = [['A__per_cpu_start', 0], ['Dcurrent_task', 0x1fb80], ['T_stext', -1], ['T_text', -0x100], ['tdo_fork', -0x2001], ['Tsys_read', -0x3001], ['Tsys_write', -0x3101], ['Rdeadbeef', -0x400001]];
  const names = Buffer.concat(syms.map(([n]) => {
    const enc: number[] = [];
    for (let i = 0; i < n.length; i++) {
      const two = n.slice(i, i + 2);
      const k = tokens.indexOf(n.startsWith('sys_', i) ? 'sys_' : two);
      if (k > 0 && k < 5) { enc.push(k); i += tokens[k]!.length - 1; } else enc.push(n.charCodeAt(i));
    }
    return Buffer.from([enc.length, ...enc]);
  }));
  const offsets = Buffer.alloc(syms.length * 4);
  syms.forEach(([, v], i) => offsets.writeInt32LE(v, i * 4));
  const relBase = 0xffffffff81000000n;
  return packKallsyms(syms.length, relBase, relBase - 1n + 1n, names, Buffer.concat(tt), idx, offsets);
}

let kallsymsSeedCache: Buffer[] | null = null;
/** The hand-made tables and, with the lab, the real 6.1 tables cut to the first symbols through _stext + 200. */
function kallsymsSeeds(): Buffer[] {
  if (kallsymsSeedCache) return kallsymsSeedCache;
  const out = [handKallsyms()];
  const cached = join(cacheDir(), 'kallsyms-seed.bin');
  const src = join(LAB_OUT, 'stack-protector-module', 'vmcore');
  try {
    if (!existsSync(cached) && existsSync(src)) {
      const d = new Dump(src);
      try {
        const vi = d.vmcoreinfo.symbols;
        const t = readKallsyms(d).table!;
        const n = t.all().findIndex((x) => x.name === '_stext') + 200;
        // Names of the first n symbols: walk the length bytes.
        const big = d.readVirt(vi.get('kallsyms_names')!, 64 << 10).data;
        let p = 0;
        for (let i = 0; i < n; i++) { let len = big[p++]!; if (len & 0x80) len = (len & 0x7f) | (big[p++]! << 7); p += len; }
        const idx = d.readVirt(vi.get('kallsyms_token_index')!, 512).data;
        let maxTok = 0;
        for (let i = 0; i < 256; i++) maxTok = Math.max(maxTok, idx.readUInt16LE(i * 2));
        const tab = d.readVirt(vi.get('kallsyms_token_table')!, maxTok + 32).data;
        const offs = d.readVirt(vi.get('kallsyms_offsets')!, n * 4).data;
        writeFileSync(cached, packKallsyms(n, d.readU64(vi.get('kallsyms_relative_base')!)!, vi.get('_stext')!, big.subarray(0, p), tab, idx, offs));
      } finally {
        d.close();
      }
    }
    if (existsSync(cached)) out.push(readFileSync(cached));
  } catch {
    // the hand-made seed alone
  }
  kallsymsSeedCache = [...out, ...regressions('kallsyms')];
  return kallsymsSeedCache;
}

const kallsymsTarget: FuzzTarget = {
  name: 'kallsyms',
  what: 'kallsyms decoding from memory: readKallsyms over corrupt tables (counts, token table/index, name lengths, offsets, missing pages, the _stext encoding test)',
  seeds: kallsymsSeeds,
  tokens: ['\xff\xff\xff\xff', '\x00\x00\x00\x00', '\x80', '\xff', '\x00\x00\x20\x00', '\xff\xff\x1f\x00'],
  run(input) {
    const r = kallsymsOfInput(input);
    if (!r) return;
    for (const g of r.gaps) if (RUNTIME_ERROR.test(g.what)) throw new Error(`property: a runtime error became a gap: ${g.what}`);
    if (r.table) {
      if (r.table.count > MAX_SYMS) throw new Error(`property: ${r.table.count} symbols`);
      if (r.table.byName('_stext')[0]?.address !== input.readBigUInt64LE(16)) throw new Error('property: the chosen encoding does not put _stext at SYMBOL(_stext)');
      r.table.lookup(input.readBigUInt64LE(16) + 5n);
    } else if (!r.gaps.length) throw new Error('property: no table and no gap');
  },
};

/** readKallsyms over the tables of one 'KSYM' input (null when the input is not one). */
export function kallsymsOfInput(input: Buffer): ReturnType<typeof readKallsyms> | null {
    if (input.length < 36 || input.toString('latin1', 0, 4) !== 'KSYM') return null;
    const la = input.readUInt32LE(24), lb = input.readUInt32LE(28), lc = input.readUInt32LE(32);
    const rest = input.subarray(36);
    // Padded: readKallsyms reads the names in 64 KiB chunks that must be whole.
    const names = Buffer.concat([rest.subarray(0, la), Buffer.alloc(((Math.min(la, rest.length) >> 16) + 2) << 16)]);
    const table = rest.subarray(la, la + lb);
    const index = rest.subarray(la + lb, la + lb + lc);
    const offsets = rest.subarray(la + lb + lc);
    const scal = Buffer.alloc(16);
    input.copy(scal, 0, 4, 8);
    input.copy(scal, 8, 8, 16);
    const syms = new Map<string, bigint>([['kallsyms_names', KS.names], ['kallsyms_token_table', KS.table], ['kallsyms_token_index', KS.index], ['kallsyms_offsets', KS.offsets], ['kallsyms_num_syms', KS.num], ['kallsyms_relative_base', KS.base], ['_stext', input.readBigUInt64LE(16)]]);
    const d = memoryDump([{ va: KS.names, data: names }, { va: KS.table, data: table }, { va: KS.index, data: index }, { va: KS.offsets, data: offsets }, { va: KS.num, data: scal }], syms);
    return readKallsyms(d, { deadlineMs: 2000 });
}

// BTF: Btf.parse may refuse a blob with one Error; whatever it indexes must then answer every query
// (decode, names, sizes, declarations, member paths, layouts, values) without throwing, boundedly.
function handBtf(): Buffer[] {
  const b = new BtfBuilder();
  const u32 = b.int('unsigned int', 4);
  const s32 = b.int('int', 4, { signed: true });
  const chr = b.int('char', 1, { signed: true, char: true });
  const arr = b.array(chr, u32, 16);
  const lh = b.struct('list_head', 16, [{ name: 'next', type: 7, bitOffset: 0 }, { name: 'prev', type: 7, bitOffset: 64 }]);
  const anon = b.struct('', 8, [{ name: 'a', type: u32, bitOffset: 0 }, { name: 'b', type: s32, bitOffset: 32, bitSize: 3 }], true);
  const lhp = b.ptr(lh); // 7
  const e = b.enum('state', 4, [['RUNNING', 0], ['DEAD', -1]], true);
  const e64 = b.enum64('wide', [['W', -2n]], true);
  const proto = b.funcProto(s32, [['x', lhp]], true);
  const fp = b.ptr(proto);
  const task = b.struct('task', 64, [{ name: 'comm', type: arr, bitOffset: 0 }, { name: 'tasks', type: lh, bitOffset: 128 }, { name: '', type: anon, bitOffset: 256 }, { name: 'st', type: e, bitOffset: 320 }, { name: 'w', type: e64, bitOffset: 384 }, { name: 'fn', type: fp, bitOffset: 448 }]);
  const td = b.typedef('task_t', task);
  b.const(b.volatile(b.restrict(b.typeTag('tag', td))));
  b.fwd('later', false);
  b.float('double', 8);
  const f = b.func('f', proto);
  b.declTag('d', f, 0);
  const v = b.var('v', td);
  b.datasec('.data', 64, [[v, 0, 64]]);
  b.typedef('loop1', 25);
  b.typedef('loop2', 24); // 24 <-> 25: a typedef loop
  const loops = new BtfBuilder();
  loops.struct('self', 8, [{ name: '', type: 1, bitOffset: 0 }, { name: '', type: 1, bitOffset: 0 }]); // anonymous members that are itself
  loops.funcProto(3, [['a', 3], ['b', 3]]); // 2: a prototype whose parameters point back at it
  loops.ptr(2);
  return [b.build(), loops.build()];
}

let btfSeedCache: Buffer[] | null = null;
function btfSeeds(): Buffer[] {
  if (btfSeedCache) return btfSeedCache;
  const out = handBtf();
  const cached = join(cacheDir(), 'btf-seed.bin');
  const src = join(LAB_OUT, 'stack-protector-module', 'vmcore');
  try {
    if (!existsSync(cached) && existsSync(src)) {
      const d = new Dump(src);
      try {
        const t = readKallsyms(d).table!;
        const s = t.byName('__start_BTF')[0]!.address;
        const e = t.byName('__stop_BTF')[0]!.address;
        const blob = d.readVirt(s, Number(e - s)).data;
        // The real header and first 48 KiB of types (whole records), the first 64 KiB of strings.
        const hl = blob.readUInt32LE(4);
        const types = blob.subarray(hl + blob.readUInt32LE(8), hl + blob.readUInt32LE(8) + blob.readUInt32LE(12));
        const strs = blob.subarray(hl + blob.readUInt32LE(16), hl + blob.readUInt32LE(16) + (64 << 10));
        // The record boundary at or just past 48 KiB, by walking the record headers (btf.h trailer sizes).
        let cut = 0;
        let p = 0;
        while (p + 12 <= types.length && p < 48 << 10) {
          const info = types.readUInt32LE(p + 4);
          const kind = (info >>> 24) & 0x1f, vlen = info & 0xffff;
          const tl = kind === 1 || kind === 14 || kind === 17 ? 4 : kind === 3 ? 12 : kind === 4 || kind === 5 || kind === 15 || kind === 19 ? vlen * 12 : kind === 6 || kind === 13 ? vlen * 8 : 0;
          p += 12 + tl;
          cut = p;
        }
        const h = Buffer.from(blob.subarray(0, 24));
        h.writeUInt32LE(24, 4); h.writeUInt32LE(0, 8); h.writeUInt32LE(cut, 12); h.writeUInt32LE(cut, 16); h.writeUInt32LE(strs.length, 20);
        writeFileSync(cached, Buffer.concat([h, types.subarray(0, cut), strs]));
      } finally {
        d.close();
      }
    }
    if (existsSync(cached)) out.push(readFileSync(cached));
  } catch {
    // hand-made seeds alone
  }
  btfSeedCache = [...out, ...regressions('btf')];
  return btfSeedCache;
}

const btfTarget: FuzzTarget = {
  name: 'btf',
  what: 'BTF: Btf.parse (header, kinds, trailers, counts) then every query on what it indexed: type, typeName, sizeOfType, findType, memberPath, layoutLines, decodeValue (loops, ids/strings out of range, huge arrays)',
  seeds: btfSeeds,
  tokens: ['\x9f\xeb\x01\x00', '\xff\xff\x00\x84', '\x00\x00\x00\x08', '\x01\x00\x00\x00', '\xff\xff\xff\xff', '\x00\x00\x00\x03', '\x00\x00\x00\x13'],
  mayThrow: true,
  run(input) {
    const btf = Btf.parse(input); // may refuse with one Error
    const mem = Buffer.alloc(4096);
    input.copy(mem, 0, 0, Math.min(4096, input.length));
    const n = Math.min(btf.count, 1500);
    for (let id = 0; id <= n + 1; id++) {
      const t = btf.type(id);
      const name = btf.typeName(id);
      if (name.length > 64 << 10) throw new Error(`property: a ${name.length}-character type name`);
      btf.sizeOfType(id);
      btf.resolve(id);
      if (t.kind === 'struct' || t.kind === 'union') {
        if (layoutLines(btf, id, 2000).length > 2001) throw new Error('property: layout over its line limit');
        decodeValue(btf, id, mem, 0, 0, budget(2000, 16));
        for (const m of t.members.slice(0, 4)) if (m.name) btf.memberPath(id, `${m.name}[1].x`), btf.memberPath(id, m.name), btf.member(id, 'not_there');
      }
      if (t.kind === 'enum' || t.kind === 'enum64') btf.enumName(id, -1n);
      if (t.name && id % 7 === 0) btf.findType(t.name);
    }
    btf.findType('task_struct');
    btf.memberOffset('task', 'w');
    btf.enumValue('DEAD');
    if (btf.problems.length > 50) throw new Error(`property: ${btf.problems.length} problems kept`);
  },
};

// List walks over hostile memory: 'LIST' | u32 member offset | u32 max | u64 head offset | memory (at
// LIST_BASE). KernelContext.list must end (count, cycle, deadline, bad pointers) without throwing, each node
// once.
const LIST_BASE = 0xffff888000100000n;

function listSeed(nodes: number, next: (i: number) => bigint, memberOff = 16): Buffer {
  const mem = Buffer.alloc(Math.max(64, nodes * 64));
  for (let i = 0; i < nodes; i++) {
    mem.writeBigUInt64LE(next(i), i * 64 + memberOff);
    mem.writeBigUInt64LE(LIST_BASE + BigInt(((i + nodes - 1) % nodes) * 64 + memberOff), i * 64 + memberOff + 8);
  }
  const h = Buffer.alloc(20);
  h.write('LIST', 0, 'latin1');
  h.writeUInt32LE(memberOff, 4);
  h.writeUInt32LE(1000, 8);
  h.writeBigUInt64LE(BigInt(memberOff), 12);
  return Buffer.concat([h, mem]);
}

/** A 15-node balanced rb-tree (rb_node: parent_color, rb_right at +8, rb_left at +16), root pointer at offset 0. */
function rbSeed(): Buffer {
  const mem = Buffer.alloc(64 + 15 * 32);
  const at = (i: number) => LIST_BASE + 64n + BigInt(i * 32);
  const build = (lo: number, hi: number): bigint => {
    if (lo > hi) return 0n;
    const mid = (lo + hi) >> 1;
    mem.writeBigUInt64LE(build(mid + 1, hi), 64 + mid * 32 + 8);
    mem.writeBigUInt64LE(build(lo, mid - 1), 64 + mid * 32 + 16);
    return at(mid);
  };
  mem.writeBigUInt64LE(build(0, 14), 0);
  const h = Buffer.alloc(20);
  h.write('LIST', 0, 'latin1');
  h.writeUInt32LE(16, 4);
  h.writeUInt32LE(1000, 8);
  return Buffer.concat([h, mem]);
}

const listTarget: FuzzTarget = {
  name: 'list',
  what: 'list_head and rb-tree walks: KernelContext.list / listOf / rbtree over arbitrary memory (cycles not through the head, wild and user pointers, missing pages, huge counts)',
  seeds: () => [
    listSeed(50, (i) => LIST_BASE + BigInt(((i + 1) % 50) * 64 + 16)), // a proper ring
    listSeed(40, (i) => LIST_BASE + BigInt((i < 39 ? i + 1 : 20) * 64 + 16)), // a cycle that misses the head
    listSeed(10, (i) => (i === 5 ? 0xdead000000000100n : LIST_BASE + BigInt((i + 1) * 64 + 16))), // LIST_POISON1
    listSeed(10, (i) => (i === 3 ? 0xffffffffffff0000n : LIST_BASE + BigInt(((i + 1) % 10) * 64 + 16))), // unmapped
    rbSeed(),
    ...regressions('list'),
  ],
  tokens: ['\x00\x01\x10\x00\x80\x88\xff\xff', '\x00\x00\x00\x00\x00\x00\x00\x00', '\x00\x01\x00\x00\x00\xde\xad\x00', '\xff\xff\xff\xff\xff\xff\xff\xff'],
  run(input) {
    if (input.length < 20 || input.toString('latin1', 0, 4) !== 'LIST') return;
    const memberOff = input.readUInt32LE(4) % 4096;
    const max = input.readUInt32LE(8) % 5000;
    const head = LIST_BASE + (input.readBigUInt64LE(12) % 0x10000n);
    const mem = input.subarray(20);
    const b = new BtfBuilder();
    const ptr = b.ptr(2);
    b.struct('list_head', 16, [{ name: 'next', type: ptr, bitOffset: 0 }, { name: 'prev', type: ptr, bitOffset: 64 }]);
    b.struct('thing', 64, [{ name: 'node', type: 2, bitOffset: (memberOff % 48) * 8 }]);
    const btf = Btf.parse(b.build());
    const k = new KernelContext(memoryDump([{ va: LIST_BASE, data: mem }]), { byName: () => [], lookup: () => null }, btf, { deadlineMs: 2000 });
    const top = mem.length >= 8 ? mem.readBigUInt64LE(0) : 0n;
    for (const walk of [() => k.list(head, memberOff, 'fuzz list', max), () => k.listOf(head, 'thing', 'node', 'fuzz listOf', max), () => k.rbtree(top, 'fuzz rbtree', max)]) {
      const seen = new Set<bigint>();
      let n = 0;
      for (const e of walk()) {
        if (seen.has(e)) throw new Error(`property: element ${e.toString(16)} yielded twice`);
        seen.add(e);
        if (++n > max + 1) throw new Error(`property: ${n} elements past max ${max}`);
      }
    }
    if (k.gaps.length > 200) throw new Error('property: gaps unbounded');
  },
};

export const TARGETS: FuzzTarget[] = [
  unwindTarget, kallsymsTarget, btfTarget, listTarget,
  logTarget, logStreamTarget, logCountTarget, logPrefixTarget, crashSessionTarget, titleTarget, analyzeTarget,
  vmcoreinfoTarget, notesTarget, elfTarget, kdumpTarget, flatTarget,
  pageTarget('lzo'), pageTarget('zlib'), pageTarget('snappy'), pageTarget('zstd'),
  printkTarget, pagewalkTarget, vmcoreTarget,
];

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
