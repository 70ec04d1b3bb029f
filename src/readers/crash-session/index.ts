// Reader for saved `crash` sessions (crash 7.x/8.x): `crash> CMD` transcripts, bare outputs of one command,
// and files whose prompts were lost. Each command's output is parsed into the crash model's DumpFacts
// (docs/model.md); the `log` output is returned as text for the log reader. Output shapes follow crash's
// own sources (kernel.c, task.c, x86_64.c, symbols.c, memory.c).
//
// The reader never throws on bad input: it parses what is there and names what is missing as gaps.

import { emptyDumpFacts, type Backtrace, type CodeLocation, type DumpFacts, type Frame, type Gap, type InputSource, type KernelInfo, type SourceRef } from '../../model/types.js';
import { splitLines, promptCommand, type Line } from './lines.js';
import { syscallName } from './syscalls.js';

export interface CrashSessionResult {
  facts: DumpFacts;
  kernel: Partial<KernelInfo>;
  /** `sys`'s PANIC string without its quotes, null when absent or empty. */
  panicMessage: string | null;
  /** The `log` output (kernel log) and the 1-based transcript line of its first line. */
  log: { text: string; firstLine: number } | null;
  source: InputSource;
  gaps: Gap[];
}

/** Upper bound on facts of one kind (a hostile transcript cannot make the model grow without limit). */
export const MAX_FACTS = 100_000;
/** Upper bound on `bt -r` symbolised slots kept per backtrace. */
export const MAX_STACK_SYMBOLS = 50_000;

const SYS_START_KEYS = new Set(['KERNEL', 'DUMPFILE', 'DUMPFILES', 'SYSTEM MAP', 'DEBUG KERNEL', 'CPUS', 'PANIC', 'RELEASE', 'NODENAME']);
const SYS_KEYS = new Set([
  'KERNEL', 'DUMPFILE', 'DUMPFILES', 'SYSTEM MAP', 'DEBUG KERNEL', 'CPUS', 'DATE', 'UPTIME', 'LOAD AVERAGE', 'TASKS',
  'NODENAME', 'RELEASE', 'VERSION', 'MACHINE', 'MEMORY', 'PANIC', 'PID', 'COMMAND', 'TASK', 'CPU', 'STATE',
]);

const RE = {
  sysLine: /^\s*([A-Z][A-Z ]*[A-Z]):\s(.*)$/,
  btHeader: /^PID:\s*(-?\d+)\s+TASK:\s*([0-9a-f]+)\s+(?:CPU:\s*(\S+)\s+)?COMMAND:\s*"(.*)"\s*$/,
  frame: /^\s*#(\d+)\s+\[([0-9a-f]+)\]\s+(\S+)\s+at\s+([0-9a-f]+)(?:\s+\(via\s+[^)]*\))?(?:\s+\[([^\]]+)\])?(?:\s+\*)?\s*$/,
  tStart: /^\s+START:\s+(\S+)\s+(?:\(.*\)\s+)?at\s+([0-9a-f]+)\s*$/,
  tFrame: /^\s+\[([0-9a-f]+)\]\s+(\S+)\s+at\s+([0-9a-f]+)(?:\s+\[([^\]]+)\])?\s*$/,
  exception: /^\s+\[exception RIP:\s*(.*?)\]\s*$/,
  regLine: /^\s+(?:RIP|EIP|RAX|EAX|RDX|EDX|RBP|EBP|R10|R13|ORIG_RAX|ORIG_EAX|CS|DS|ES|SS|ESI|EDI|ECX|EBX|ESP):\s/,
  regPair: /([A-Z][A-Z0-9_]*):\s+([0-9a-fA-F]+)/g,
  marker: /^\s*---\s*<(.+?)>\s*---\s*$/,
  btSource: /^\s+\S*\.[A-Za-z]+: \d+\s*$/,
  rawWords: /^\s*([0-9a-f]{8,16}):\s+(.*)$/,
  sysCallHeader: /^NUM\s+SYSTEM CALL\s+FILE AND LINE NUMBER\s*$/,
  sysCallInvalid: /^\s*([0-9a-f]+)\s+invalid sys_call_table entry:\s+([0-9a-f]+)\s*(?:\((.*)\))?\s*$/,
  sysCallRow: /^\s*(\d+)\s+(\S+)(?:\s+(.*?))?\s*$/,
  psHeader: /^\s*PID\s+PPID\s+CPU\s+TASK\s+ST\s+%MEM\s+VSZ\s+RSS\s+COMM\s*$/,
  psRow: /^(>)?\s*(\d+)\s+(-?\d+)\s+(\d+|-)\s+([0-9a-f]+)\s+([A-Z]{2})\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(.*?)\s*$/,
  modHeader: /^\s*MODULE\s+NAME\s+(BASE\s+)?SIZE\s+OBJECT FILE\s*$/,
  modRow: /^([0-9a-f]{8,16})\s+(\S+)\s+(?:([0-9a-f]{8,16})\s+)?(\d+)\s+(.*?)\s*$/,
  modTHeader: /^NAME\s+TAINTS\s*$/,
  modTRow: /^(\S+)\s+(\S+)\s*$/,
  kmemHeader: /^\s*PAGES\s+TOTAL\s+PERCENTAGE\s*$/,
  kmemRow: /^\s*([A-Z][A-Z ]*[A-Z])\s+(\d+)\s+(\S+(?: [KMGT]?B)?)\s+(.*?)\s*$/,
  runqCpu: /^CPU (\d+)\s+(?:RUNQUEUE:\s*([0-9a-f]+)|\[OFFLINE\])\s*$/,
  runqCurrent: /^\s+CURRENT:\s+PID:\s*(\d+)\s+TASK:\s*([0-9a-f]+)\s+COMMAND:\s*"(.*)"\s*$/,
  runqTask: /^\s+(?:\[\s*(\d+)\]\s+)?PID:\s*(\d+)\s+TASK:\s*([0-9a-f]+)\s+COMMAND:\s*"(.*)"\s*$/,
  disInsn: /^(0x[0-9a-f]+|[0-9a-f]{8,16})\s+<([^>]+)>:\s*(.*)$/,
  disSource: /^(\/\S+|[\w.][\w./+-]*\.[A-Za-z]+):\s+(\d+)\s*$/,
  symRow: /^([0-9a-f]{8,16})\s+\(([A-Za-z?])\)\s+(\S+?)(?:\+(0x[0-9a-f]+|\d+))?(?:\s+\[([^\]]+)\])?(?:\s+(.*?))?\s*$/,
  symInvalid: /^sym:\s+invalid address:\s+(\S+)\s*$/,
  symNotFound: /^symbol not found:\s+(\S+)\s*$/,
  structHead: /^(struct|union)\s+([\w$]+)\s+\{\s*$/,
  structEnd: /^\}\s*;?\s*$/,
  structOffset: /^\s*\[(0x[0-9a-f]+|\d+)\]\s+(.*?)\s*;\s*$/,
  structMember: /^(\s+)([\w$.[\]]+)\s+=\s+(.*?),?\s*$/,
  structOpen: /^(\s+)([\w$.[\]]+)\s+=\s+\{\{?\s*$/,
  structClose: /^\s+\}\}?,?\s*$/,
  size: /^SIZE:\s+(0x[0-9a-f]+|\d+)\s*$/,
  logLine: /^\[\s*\d+\.\d+\]/,
  toolError: /^(?:crash|sym|rd|struct|union|bt|dis|mod|ps|kmem|log|sys|runq|foreach|p|px|pd|list|search|task|vtop|whatis|gdb): (.*)$/,
  warning: /^(?:WARNING|NOTE|INFO): (.*)$/,
  hexWord: /^(?:[0-9a-f]{16}|[0-9a-f]{8}|[0-9a-f]{4}|[0-9a-f]{2})$/,
};

const DECIMAL = /^\d+$/;
function num(s: string): number {
  return s.startsWith('0x') ? parseInt(s.slice(2), 16) : parseInt(s, 10);
}

/** Parses `func+off` (offset decimal or 0x hex) into a code location. */
export function parseSymbolOffset(s: string): { name: string; offset: number | null } {
  const m = /^(.+?)\+(0x[0-9a-fA-F]+|\d+)$/.exec(s);
  if (!m) return { name: s, offset: null };
  return { name: m[1]!, offset: num(m[2]!) };
}

interface Cmd {
  /** As typed (trimmed); null for output before any prompt or without one. */
  text: string | null;
  name: string | null;
  args: string[];
  /** Line of the prompt (1-based) or null. */
  line: number | null;
}

function parseCommand(text: string, line: number): Cmd {
  // Output redirections and pipes do not change what crash printed (a grep keeps fewer lines).
  const bare = text.replace(/\s[|>].*$/, '').trim();
  const words = bare.split(/\s+/).filter(Boolean);
  return { text, name: words[0] ?? '', args: words.slice(1), line };
}

/** Cheap test for input detection: does the start of this text look like crash output? */
export function looksLikeCrashSession(text: string): boolean {
  const head = text.slice(0, 65536);
  const lines = head.split('\n', 2000);
  let sysKeys = 0;
  for (const raw of lines) {
    const l = raw.replace(/\r/g, '');
    if (promptCommand(l) !== null) return true;
    if (RE.btHeader.test(l)) return true;
    if (RE.sysCallHeader.test(l) || RE.psHeader.test(l) || RE.modHeader.test(l) || RE.kmemHeader.test(l)) return true;
    if (RE.exception.test(l) || RE.symInvalid.test(l)) return true;
    if (/^0x[0-9a-f]{8,16} <[^>]+>:\t/.test(l)) return true;
    if (/^[0-9a-f]{16}:  [\x21-\x7e]/.test(l)) return true; // rd / rd -a / bt -r lines
    const s = RE.sysLine.exec(l);
    if (s && SYS_KEYS.has(s[1]!) && /^\s*(KERNEL|DUMPFILE|PANIC|NODENAME|RELEASE|MACHINE|CPUS|MEMORY|LOAD AVERAGE):/.test(l)) {
      if (++sysKeys >= 3) return true;
    }
  }
  return false;
}

class Reader {
  readonly facts = emptyDumpFacts();
  readonly gaps: Gap[] = [];
  log: { text: string; firstLine: number } | null = null;
  private counts = new Map<string, number>();
  private capped = new Set<string>();
  private errorsList: NonNullable<DumpFacts['errors']> = [];
  private memoryWords: NonNullable<DumpFacts['memoryWords']> = [];
  private runqueues: NonNullable<DumpFacts['runqueues']> = [];
  private parsedSomething = false;

  constructor(readonly file: string, readonly lines: Line[]) {}

  ref(a: number, b: number): SourceRef {
    return { file: this.file, startLine: this.lines[a]!.no, endLine: this.lines[Math.max(a, b)]!.no };
  }

  /** Bounded push: false (and one gap) once a kind holds MAX_FACTS entries. */
  room(kind: string): boolean {
    const n = this.counts.get(kind) ?? 0;
    if (n >= MAX_FACTS) {
      if (!this.capped.has(kind)) {
        this.capped.add(kind);
        this.gaps.push({ source: this.file, what: `more than ${MAX_FACTS} ${kind} entries: the rest were not read` });
      }
      return false;
    }
    this.counts.set(kind, n + 1);
    return true;
  }

  error(cmd: Cmd, i: number, text: string): void {
    if (this.room('error')) this.errorsList.push({ command: cmd.text, text, source: this.ref(i, i) });
  }

  run(): void {
    // Segment the transcript at prompts.
    const segs: { cmd: Cmd; start: number; end: number }[] = [];
    let cur: { cmd: Cmd; start: number; end: number } = { cmd: { text: null, name: null, args: [], line: null }, start: 0, end: 0 };
    for (let i = 0; i < this.lines.length; i++) {
      const c = promptCommand(this.lines[i]!.text);
      if (c === null) continue;
      cur.end = i;
      segs.push(cur);
      cur = { cmd: parseCommand(c, this.lines[i]!.no), start: i + 1, end: 0 };
    }
    cur.end = this.lines.length;
    segs.push(cur);
    for (const s of segs) this.segment(s.cmd, s.start, s.end, s === segs[segs.length - 1]);
    if (this.errorsList.length) this.facts.errors = this.errorsList;
    if (this.memoryWords.length) this.facts.memoryWords = this.memoryWords;
    if (this.runqueues.length) this.facts.runqueues = this.runqueues;
    this.finishSyscalls();
    if (!this.parsedSomething && !this.log) {
      this.gaps.push({ source: this.file, what: 'no crash command output recognised' });
    }
  }

  private segment(cmd: Cmd, start: number, end: number, last: boolean): void {
    const name = cmd.name;
    if (name === null) {
      this.shapes(cmd, start, end);
      return;
    }
    if (name === '' || name === 'q' || name === 'quit' || name === 'exit') return;
    const hasOutput = this.lines.slice(start, end).some((l) => l.text.trim() !== '');
    const known = ['sys', 'bt', 'foreach', 'log', 'dmesg', 'mod', 'ps', 'sym', 'dis', 'struct', 'union', '*', 'rd', 'kmem', 'runq'];
    if (!known.includes(name) || (name === 'kmem' && !cmd.args.includes('-i')) || (name === 'foreach' && !cmd.args.includes('bt'))) {
      if (this.room('unparsed')) this.facts.unparsed.push({ command: cmd.text ?? '', source: this.ref(Math.max(0, start - 1), Math.max(start - 1, end - 1)) });
      return;
    }
    if (!hasOutput) {
      this.gaps.push({ source: this.file, what: `\`${cmd.text}\` (line ${cmd.line}) has no output${last ? ': the transcript ends there (truncated?)' : ''}` });
      return;
    }
    if (name === 'log' || name === 'dmesg') {
      this.readLog(cmd, start, end);
      return;
    }
    this.shapes(cmd, start, end);
  }

  private readLog(cmd: Cmd, start: number, end: number): void {
    let a = start;
    while (a < end && (this.lines[a]!.text.trim() === '' || RE.warning.test(this.lines[a]!.text))) {
      if (RE.warning.test(this.lines[a]!.text)) this.error(cmd, a, this.lines[a]!.text.trim());
      a++;
    }
    let b = end;
    while (b > a && this.lines[b - 1]!.text.trim() === '') b--;
    if (a >= b) return;
    this.parsedSomething = true;
    if (this.log) return; // the first `log` wins; a second one prints the same ring
    this.log = { text: this.lines.slice(a, b).map((l) => l.text).join('\n') + '\n', firstLine: this.lines[a]!.no };
  }

  /** Walks lines and hands each recognised output shape to its parser. */
  private shapes(cmd: Cmd, start: number, end: number): void {
    const name = cmd.name;
    let i = start;
    let guard = 0;
    while (i < end && guard++ < 10_000_000) {
      const t = this.lines[i]!.text;
      if (t.trim() === '') { i++; continue; }
      const next = this.dispatch(cmd, name, i, end);
      if (next > i) { this.parsedSomething = true; i = next; continue; }
      const w = RE.warning.exec(t) ?? RE.toolError.exec(t);
      if (w) {
        this.error(cmd, i, t.trim());
        if (/do not match|not a supported file format|cannot (?:open|read|find)|no debugging data/.test(t)) {
          this.gaps.push({ source: this.file, what: `crash said: ${t.trim().slice(0, 200)}` });
        }
      }
      i++;
    }
  }

  /** Returns the index after the block parsed at i, or i when nothing was recognised. */
  private dispatch(cmd: Cmd, name: string | null, i: number, end: number): number {
    const t = this.lines[i]!.text;
    if (RE.btHeader.test(t)) return this.backtrace(cmd, i, end);
    const sm = RE.sysLine.exec(t);
    if (sm && (SYS_START_KEYS.has(sm[1]!) || (name === 'sys' && SYS_KEYS.has(sm[1]!)))) return this.sys(cmd, i, end);
    if (RE.sysCallHeader.test(t)) return this.sysCall(cmd, i + 1, end);
    if (name === 'sys' && cmd.args.includes('-c') && (RE.sysCallInvalid.test(t) || RE.sysCallRow.test(t))) return this.sysCall(cmd, i, end);
    if (RE.psHeader.test(t)) return this.ps(cmd, i + 1, end);
    if (name === 'ps' && RE.psRow.test(t)) return this.ps(cmd, i, end);
    if (RE.modHeader.test(t)) return this.mod(cmd, i + 1, end, Boolean(RE.modHeader.exec(t)![1]));
    if (RE.modTHeader.test(t)) return this.modT(cmd, i + 1, end);
    if (/^no tainted modules\s*$/.test(t)) return i + 1;
    if (name === 'mod' && RE.modRow.test(t)) return this.mod(cmd, i, end, null);
    if (RE.kmemHeader.test(t)) return this.kmem(cmd, i + 1, end);
    if (RE.runqCpu.test(t)) return this.runq(cmd, i, end);
    if (RE.disInsn.test(t) || (RE.disSource.test(t) && i + 1 < end && RE.disInsn.test(this.lines[i + 1]!.text))) return this.dis(cmd, i, end);
    if (RE.symRow.test(t) && (name === 'sym' || name === null) && /^[0-9a-f]{8,16} \(/.test(t)) return this.sym(cmd, i, end);
    const inv = RE.symInvalid.exec(t) ?? (name === 'sym' ? RE.symNotFound.exec(t) : null);
    if (inv) {
      if (this.room('symbol')) this.facts.symbols.push({ address: cleanAddr(inv[1]!), symbol: null, module: null, source: this.ref(i, i) });
      this.error(cmd, i, t.trim());
      return i + 1;
    }
    if (RE.structHead.test(t) || RE.size.test(t) || ((name === 'struct' || name === 'union' || name === '*') && (RE.structMember.test(t) || RE.structOpen.test(t) || RE.structOffset.test(t)))) {
      return this.struct(cmd, i, end);
    }
    if (RE.rawWords.test(t) && (name === 'rd' || name === null)) return this.rd(cmd, i, end);
    if (RE.logLine.test(t)) {
      // A bare `log`: timestamped lines and their untimestamped continuations, up to the next crash shape.
      let j = i + 1;
      while (j < end && !this.shapeStart(this.lines[j]!.text)) j++;
      let b = j;
      while (b > i && this.lines[b - 1]!.text.trim() === '') b--;
      if (!this.log) this.log = { text: this.lines.slice(i, b).map((l) => l.text).join('\n') + '\n', firstLine: this.lines[i]!.no };
      return j;
    }
    return i;
  }

  /** Lines that start another command's output (used to end a bare log). */
  private shapeStart(t: string): boolean {
    if (RE.btHeader.test(t) || RE.sysCallHeader.test(t) || RE.psHeader.test(t) || RE.modHeader.test(t) || RE.modTHeader.test(t)) return true;
    if (RE.kmemHeader.test(t) || RE.runqCpu.test(t) || RE.structHead.test(t) || /^0x[0-9a-f]{8,16} <[^>]+>:/.test(t)) return true;
    const m = RE.sysLine.exec(t);
    return Boolean(m && SYS_START_KEYS.has(m[1]!) && /^\s/.test(t));
  }

  // ---- sys ----
  private sys(cmd: Cmd, i: number, end: number): number {
    let j = i;
    while (j < end) {
      if (RE.btHeader.test(this.lines[j]!.text)) break;
      const m = RE.sysLine.exec(this.lines[j]!.text);
      if (!m || (!SYS_KEYS.has(m[1]!) && /^(?:WARNING|NOTE|INFO|ERROR)$/.test(m[1]!))) break;
      const key = m[1]!;
      let value = m[2]!.trim();
      if (key === 'PANIC' && value.startsWith('"') && !/^".*"/.test(value)) {
        // A PANIC string wrapped by a terminal: join until the closing quote (a few lines at most).
        let k = j + 1;
        while (k < end && k < j + 6 && !RE.sysLine.test(this.lines[k]!.text) && this.lines[k]!.text.trim() !== '') {
          value += this.lines[k]!.text.trim();
          k++;
          if (/^".*"/.test(value)) break;
        }
        j = k - 1;
      }
      if (!(key in this.facts.sys) || value !== '') this.facts.sys[key] = value;
      j++;
    }
    void cmd;
    return j;
  }

  // ---- bt ----
  private backtrace(cmd: Cmd, i: number, end: number): number {
    const h = RE.btHeader.exec(this.lines[i]!.text)!;
    const cpu = h[3] !== undefined && DECIMAL.test(h[3]) ? parseInt(h[3], 10) : null;
    const bt: Backtrace = {
      pid: parseInt(h[1]!, 10), task: h[2]!, cpu, comm: h[4]!, frames: [], exceptions: [], source: this.ref(i, i),
    };
    if (cmd.text) bt.command = cmd.text;
    const raw = cmd.name === 'bt' && cmd.args.some((a) => /^-\w*r/.test(a));
    let j = i + 1;
    let sectionStart = 0;
    let exc: Backtrace['exceptions'][number] | null = null;
    let excNamed = false;
    const stackSymbols: NonNullable<Backtrace['stackSymbols']> = [];
    const finishExc = () => {
      if (!exc) return;
      const rip = exc.registers['RIP'] ?? exc.registers['EIP'];
      if (rip) exc.rip.address = rip.toLowerCase();
      const cs = exc.registers['CS'];
      if (!excNamed) exc.userMode = cs ? (parseInt(cs, 16) & 3) === 3 : true;
      else if (exc.userMode === undefined) exc.userMode = false;
      exc = null;
    };
    for (; j < end; j++) {
      let t = this.lines[j]!.text;
      const no = this.lines[j]!.no;
      if (t.trim() === '') break;
      if (RE.btHeader.test(t)) break;
      if (raw || (bt.frames.length === 0 && !exc && RE.rawWords.test(t) && !/^\s/.test(t))) {
        const m = RE.rawWords.exec(t);
        if (m) {
          this.rawStack(m[1]!, m[2]!, stackSymbols);
          continue;
        }
      }
      let fm = RE.frame.exec(t);
      if (fm && fm[2]!.length === 16 && fm[4]!.length < 16 && !fm[5] && j + 1 < end) {
        // `... at ffffffff8ab7` + `4117`: an address cut by a terminal wrap.
        const rest = /^([0-9a-f]+)((?:\s+\[[^\]]+\])?\s*)$/.exec(this.lines[j + 1]!.text.trim());
        if (rest && fm[4]!.length + rest[1]!.length === 16) {
          const joined = t.replace(/\s+$/, '') + this.lines[j + 1]!.text.trim();
          const jm = RE.frame.exec(joined);
          if (jm) { fm = jm; t = joined; j++; }
        }
      }
      if (!fm && j + 1 < end && /^\s*#\d+\s+\[/.test(t)) {
        // A frame line wrapped by a terminal: join it with the next line.
        const joined = t + this.lines[j + 1]!.text.trim();
        const jm = RE.frame.exec(joined) ?? RE.frame.exec(t + ' ' + this.lines[j + 1]!.text.trim());
        if (jm) { fm = jm; t = joined; j++; }
      }
      if (fm) {
        finishExc();
        if (this.room('frame')) bt.frames.push(frameOf(fm[3]!, null, fm[5] ?? null, fm[4]!, true, t.trim(), no));
        continue;
      }
      const ts = RE.tStart.exec(t);
      if (ts) {
        finishExc();
        if (this.room('frame')) bt.frames.push(frameOf(ts[1]!, null, null, ts[2]!, false, t.trim(), no));
        continue;
      }
      const tf = RE.tFrame.exec(t);
      if (tf) {
        finishExc();
        if (this.room('frame')) bt.frames.push(frameOf(tf[2]!, null, tf[4] ?? null, tf[3]!, false, t.trim(), no));
        continue;
      }
      const em = RE.exception.exec(t);
      if (em) {
        finishExc();
        const label = em[1]!.trim();
        const loc: CodeLocation = { function: null, offset: null, size: null, module: null, address: null };
        let userMode: boolean | undefined;
        if (label === 'user space') userMode = true;
        else if (!/^unknown or invalid address/.test(label)) {
          const so = parseSymbolOffset(label);
          loc.function = so.name;
          loc.offset = so.offset;
        }
        exc = { rip: loc, registers: {}, origRax: null };
        if (userMode !== undefined) exc.userMode = userMode;
        excNamed = true;
        bt.exceptions.push(exc);
        continue;
      }
      if (RE.regLine.test(t)) {
        if (!exc) {
          exc = { rip: { function: null, offset: null, size: null, module: null, address: null }, registers: {}, origRax: null };
          excNamed = false;
          bt.exceptions.push(exc);
        }
        for (const m of t.matchAll(RE.regPair)) {
          const k = m[1]!;
          const v = m[2]!.toLowerCase();
          exc.registers[k] = v;
          if (k === 'ORIG_RAX' || k === 'ORIG_EAX') exc.origRax = v;
        }
        if (/\bSS:\s/.test(t)) finishExc();
        continue;
      }
      const mk = RE.marker.exec(t);
      if (mk) {
        finishExc();
        const what = mk[1]!;
        const ctx: Frame['context'] = /NMI/i.test(what) ? 'nmi' : /SOFTIRQ/i.test(what) ? 'softirq' : /IRQ/i.test(what) ? 'irq' : /exception/i.test(what) ? 'exception' : 'task';
        for (let k = sectionStart; k < bt.frames.length; k++) bt.frames[k]!.context = ctx;
        sectionStart = bt.frames.length;
        continue;
      }
      if (RE.btSource.test(t)) continue; // `bt -l` source lines
      if (/^\s+[0-9a-f]{8,16}:\s/.test(t)) continue; // `bt -f` frame contents
      if (/^\s+\[RA: [0-9a-f]+\s+SP: [0-9a-f]+\s+FP: [0-9a-f]+\s+SIZE: \d+\]\s*$/.test(t)) continue; // x86 (i686) `bt -f` frame summary
      const w = RE.warning.exec(t) ?? RE.toolError.exec(t);
      if (w) { this.error(cmd, j, t.trim()); continue; }
      break;
    }
    finishExc();
    if (stackSymbols.length) bt.stackSymbols = stackSymbols;
    bt.source = this.ref(i, j - 1);
    if (bt.frames.length === 0 && bt.exceptions.length === 0 && stackSymbols.length === 0) {
      if (j >= this.lines.length) this.gaps.push({ source: this.file, what: `backtrace of PID ${bt.pid} at line ${this.lines[i]!.no} has no frames: the transcript ends there (truncated?)` });
    }
    if (this.room('backtrace')) this.facts.backtraces.push(bt);
    return j;
  }

  private rawStack(addr: string, rest: string, out: NonNullable<Backtrace['stackSymbols']>): void {
    if (out.length >= MAX_STACK_SYMBOLS) return;
    const tokens = rest.trim().split(/\s+/);
    const word = addr.length > 8 ? 8n : 4n;
    let slot: bigint | null = null;
    for (let k = 0; k < tokens.length && k < 16; k++) {
      const tok = tokens[k]!;
      if (RE.hexWord.test(tok) || tok.startsWith('[')) continue;
      if (slot === null) slot = BigInt('0x' + addr);
      const so = parseSymbolOffset(tok);
      out.push({ address: (slot + word * BigInt(k)).toString(16), symbol: so.name, offset: so.offset });
      if (out.length >= MAX_STACK_SYMBOLS) return;
    }
  }

  // ---- sys -c ----
  private sysCall(cmd: Cmd, i: number, end: number): number {
    let j = i;
    let expect: number | null = null;
    let missing = 0;
    for (; j < end; j++) {
      const t = this.lines[j]!.text;
      if (t.trim() === '') break;
      const inv = RE.sysCallInvalid.exec(t);
      const row = inv ? null : RE.sysCallRow.exec(t);
      if (!inv && !row) {
        if (RE.warning.test(t) || RE.toolError.test(t)) { this.error(cmd, j, t.trim()); continue; }
        break;
      }
      const nr = parseInt((inv ?? row)![1]!, 10);
      if (!Number.isFinite(nr) || nr < 0 || nr > 100_000) break;
      if (expect !== null && nr > expect) missing += nr - expect;
      expect = nr + 1;
      if (!this.room('syscall')) continue;
      if (inv) {
        const sym = inv[3]?.trim() || null;
        this.facts.syscallTable.push({
          number: nr, name: sym ? sym.split(/\s+/)[0]!.replace(/\+\S*$/, '') : null, address: inv[2]!.toLowerCase(),
          suspicious: true, table: 'unknown', file: null, source: this.ref(j, j), raw: t.trim(),
        });
      } else {
        const name = row![2]!;
        this.facts.syscallTable.push({
          number: nr, name, address: '', suspicious: !/sys|stub|ptregs|syscall/i.test(name), table: 'unknown',
          file: row![3]?.trim() || null, source: this.ref(j, j), raw: t.trim(),
        });
      }
    }
    if (missing > 0 && !(cmd.args.length > 1)) {
      this.gaps.push({ source: this.file, what: `sys -c table at line ${this.lines[Math.max(0, i - 1)]!.no}: ${missing} entries missing (crash hides invalid entries it cannot confirm)` });
    }
    return j;
  }

  private finishSyscalls(): void {
    const machine = (this.facts.sys['MACHINE'] ?? '').split(/\s+/)[0] ?? '';
    const modBases = this.facts.loadedModules.map((m) => m.base).filter((b): b is string => !!b).map((b) => BigInt('0x' + b));
    const release = this.facts.sys['RELEASE'] ?? '';
    const major = parseInt(release, 10);
    // Kernel text on x86_64: [0xffffffff80000000, start of module space). Module space starts at
    // 0xffffffffa0000000 before 4.x-era KASLR layouts, 0xffffffffc0000000 after.
    let textEnd = Number.isFinite(major) && major < 4 ? 0xffffffffa0000000n : 0xffffffffc0000000n;
    for (const b of modBases) if (b >= 0xffffffff80000000n && b < textEnd) textEnd = b;
    // One sys_call_table per transcript: the machine, or the stub prefix of any named entry, tells which.
    const names = this.facts.syscallTable.map((e) => e.name ?? '');
    const table: 'x64' | 'ia32' | 'unknown' = /^i[3-6]86$/.test(machine) || names.some((n) => n.startsWith('__ia32_sys'))
      ? 'ia32' : machine === 'x86_64' || names.some((n) => n.startsWith('__x64_sys')) ? 'x64' : 'unknown';
    for (const e of this.facts.syscallTable) {
      if (e.table === 'unknown') e.table = table;
      e.syscall = syscallName(e.table, e.number);
      if (e.address && machine === 'x86_64' && /^[0-9a-f]{16}$/.test(e.address)) {
        const a = BigInt('0x' + e.address);
        if (a < 0xffffffff80000000n || a >= textEnd) e.suspicious = true;
      }
    }
  }

  // ---- ps ----
  private ps(cmd: Cmd, i: number, end: number): number {
    let j = i;
    for (; j < end; j++) {
      const t = this.lines[j]!.text;
      const m = RE.psRow.exec(t);
      if (!m) {
        if (t.trim() !== '' && (RE.warning.test(t) || RE.toolError.test(t))) { this.error(cmd, j, t.trim()); continue; }
        break;
      }
      if (!this.room('task')) continue;
      let comm = m[10]!;
      if (/^\[.*\]$/.test(comm)) comm = comm.slice(1, -1);
      this.facts.tasks.push({
        pid: parseInt(m[2]!, 10), ppid: parseInt(m[3]!, 10), cpu: m[4] === '-' ? null : parseInt(m[4]!, 10),
        task: m[5]!, state: m[6]!, comm, active: m[1] === '>',
      });
    }
    return j;
  }

  // ---- mod / mod -t ----
  private mod(cmd: Cmd, i: number, end: number, hasBase: boolean | null): number {
    let j = i;
    for (; j < end; j++) {
      const t = this.lines[j]!.text;
      const m = RE.modRow.exec(t);
      if (!m || (hasBase === true && !m[3]) || (hasBase === false && m[3])) {
        if (t.trim() !== '' && (RE.warning.test(t) || RE.toolError.test(t))) { this.error(cmd, j, t.trim()); continue; }
        break;
      }
      if (!this.room('module')) continue;
      this.facts.loadedModules.push({ name: m[2]!, base: m[3] ?? null, size: parseInt(m[4]!, 10), source: this.ref(j, j) });
    }
    return j;
  }

  private modT(cmd: Cmd, i: number, end: number): number {
    let j = i;
    for (; j < end; j++) {
      const t = this.lines[j]!.text;
      const m = RE.modTRow.exec(t);
      if (!m) break;
      const mod = this.facts.loadedModules.find((x) => x.name === m[1]);
      if (mod) mod.taint = m[2]!;
      else if (this.room('module')) this.facts.loadedModules.push({ name: m[1]!, base: null, size: null, source: this.ref(j, j), taint: m[2]! });
    }
    void cmd;
    return j;
  }

  // ---- kmem -i ----
  private kmem(cmd: Cmd, i: number, end: number): number {
    let j = i;
    for (; j < end; j++) {
      const t = this.lines[j]!.text;
      if (t.trim() === '') {
        // kmem -i separates its groups with single blank lines.
        if (j + 1 < end && RE.kmemRow.test(this.lines[j + 1]!.text)) continue;
        break;
      }
      const m = RE.kmemRow.exec(t);
      if (!m) break;
      const label = m[1]!;
      this.facts.memory[label] = m[3]!;
      this.facts.memory[`${label} PAGES`] = m[2]!;
      if (m[4] && m[4] !== '----') this.facts.memory[`${label} PERCENTAGE`] = m[4];
    }
    void cmd;
    return j;
  }

  // ---- runq ----
  private runq(cmd: Cmd, i: number, end: number): number {
    let j = i;
    let cur: NonNullable<DumpFacts['runqueues']>[number] | null = null;
    for (; j < end; j++) {
      const t = this.lines[j]!.text;
      const c = RE.runqCpu.exec(t);
      if (c) {
        if (!this.room('runqueue')) { cur = null; continue; }
        cur = { cpu: parseInt(c[1]!, 10), current: null, queued: [], source: this.ref(j, j) };
        this.runqueues.push(cur);
        continue;
      }
      if (t.trim() === '') {
        if (j + 1 < end && RE.runqCpu.test(this.lines[j + 1]!.text)) continue;
        break;
      }
      if (!cur) continue;
      cur.source.endLine = this.lines[j]!.no;
      const cm = RE.runqCurrent.exec(t);
      if (cm) { cur.current = { pid: parseInt(cm[1]!, 10), task: cm[2]!, comm: cm[3]! }; continue; }
      const qm = RE.runqTask.exec(t);
      if (qm) {
        if (cur.queued.length < 10_000) cur.queued.push({ pid: parseInt(qm[2]!, 10), task: qm[3]!, comm: qm[4]!, prio: qm[1] ? parseInt(qm[1], 10) : null });
        continue;
      }
      if (/^\s+(?:RT PRIO_ARRAY|CFS RB_ROOT|\[no tasks queued\]|\[\s*\d+\]|GROUP|DL_RB_ROOT|RT_RQ|CFS_RQ)/.test(t)) continue;
      break;
    }
    void cmd;
    return j;
  }

  // ---- dis ----
  private dis(cmd: Cmd, i: number, end: number): number {
    let j = i;
    let src: string | null = null;
    const d: DumpFacts['disassembly'][number] = { function: null, instructions: [], source: this.ref(i, i) };
    for (; j < end; j++) {
      const t = this.lines[j]!.text;
      const s = RE.disSource.exec(t);
      if (s) { src = `${s[1]}: ${s[2]}`; continue; }
      const m = RE.disInsn.exec(t);
      if (!m) {
        if (t.trim() !== '' && (RE.warning.test(t) || RE.toolError.test(t))) { this.error(cmd, j, t.trim()); continue; }
        break;
      }
      if (d.function === null) d.function = parseSymbolOffset(m[2]!).name;
      if (d.instructions.length < MAX_FACTS) {
        d.instructions.push({ address: m[1]!.replace(/^0x/, ''), location: m[2]!, text: m[3]!.replace(/\t/g, ' ').trim(), sourceLine: src });
      }
    }
    d.source = this.ref(i, j - 1);
    if (this.room('disassembly')) this.facts.disassembly.push(d);
    return j;
  }

  // ---- sym ----
  private sym(cmd: Cmd, i: number, end: number): number {
    let j = i;
    for (; j < end; j++) {
      const t = this.lines[j]!.text;
      const m = /^[0-9a-f]{8,16} \(/.test(t) ? RE.symRow.exec(t) : null;
      if (!m) break;
      if (!this.room('symbol')) continue;
      const symbol = m[4] ? `${m[3]}+${m[4]}` : m[3]!;
      this.facts.symbols.push({ address: m[1]!, symbol, module: m[5] ?? null, source: this.ref(j, j) });
    }
    void cmd;
    return j;
  }

  // ---- struct / union ----
  private struct(cmd: Cmd, i: number, end: number): number {
    const argType = cmd.name === 'struct' || cmd.name === 'union' || cmd.name === '*' ? cmd.args.find((a) => !a.startsWith('-')) ?? null : null;
    const argAddr = cmd.args.filter((a) => !a.startsWith('-')).slice(1).find((a) => /^(0x)?[0-9a-f]+$/i.test(a)) ?? null;
    const kw = cmd.name === 'union' ? 'union' : 'struct';
    const fact: DumpFacts['structs'][number] = {
      type: argType ? `${kw} ${argType.split('.')[0]}` : 'unknown', address: argAddr ? cleanAddr(argAddr) : null,
      size: null, members: {}, offsets: {}, source: this.ref(i, i),
    };
    const path: string[] = [];
    let j = i;
    let depth = 0;
    let opened = false;
    for (; j < end; j++) {
      const t = this.lines[j]!.text;
      if (t.trim() === '') {
        if (depth > 0) continue;
        break;
      }
      const h = RE.structHead.exec(t);
      if (h && depth === 0) {
        if (opened) break; // the next struct of the same command (e.g. several addresses)
        if (fact.type === 'unknown') fact.type = `${h[1]} ${h[2]}`;
        depth = 1;
        opened = true;
        continue;
      }
      if (RE.structEnd.test(t) && depth <= 1) { depth = 0; continue; }
      const sz = RE.size.exec(t);
      if (sz) { fact.size = num(sz[1]!); j++; break; }
      const off = RE.structOffset.exec(t);
      if (off) {
        const decl = off[2]!;
        const nm = /([\w$]+)(?:\s*\[[^\]]*\])*(?:\s*:\s*\d+)?$/.exec(decl.replace(/\)\s*\(.*\)$/, ''));
        const memberName = nm ? nm[1]! : decl;
        const key = [...path, memberName].join('.');
        const o = num(off[1]!);
        if (Object.keys(fact.offsets).length < 10_000) {
          fact.offsets[key] = o;
          fact.members[key] = `@0x${o.toString(16)}`;
        }
        continue;
      }
      const op = RE.structOpen.exec(t);
      if (op) { path.push(op[2]!); depth++; continue; }
      if (/^\s+\{\{?\s*$/.test(t)) { path.push(''); depth++; continue; } // anonymous struct/union member
      if (RE.structClose.test(t)) { path.pop(); if (depth > 0) depth--; continue; }
      const mm = RE.structMember.exec(t);
      if (mm) {
        const key = [...path, mm[2]!].filter(Boolean).join('.');
        if (Object.keys(fact.members).length < 10_000) fact.members[key] = mm[3]!;
        continue;
      }
      if (/^\s+(?:struct|union)\s.*\{\s*$/.test(t) || /^\s+\}\s*[\w$]*\s*;\s*$/.test(t)) continue; // struct -o nesting
      if (/^\s+\S/.test(t) && depth > 0) continue; // declarations without offsets (plain `struct TYPE`)
      if (RE.warning.test(t) || RE.toolError.test(t)) { this.error(cmd, j, t.trim()); continue; }
      break;
    }
    if (depth > 0) this.gaps.push({ source: this.file, what: `${fact.type} at line ${this.lines[i]!.no} is cut off (no closing brace)` });
    fact.source = this.ref(i, j - 1);
    if (this.room('struct')) this.facts.structs.push(fact);
    return j;
  }

  // ---- rd / rd -a ----
  private rd(cmd: Cmd, i: number, end: number): number {
    const strings = cmd.name === 'rd' ? cmd.args.includes('-a') : null;
    let j = i;
    for (; j < end; j++) {
      const t = this.lines[j]!.text;
      const m = RE.rawWords.exec(t);
      if (!m || /^\s/.test(t)) break;
      const rest = m[2]!;
      const parts = rest.split(/\s+/);
      const wordsOnly = parts.length > 0 && RE.hexWord.test(parts[0]!);
      if (strings === true || (strings === null && !wordsOnly)) {
        if (this.room('string')) this.facts.strings.push({ address: m[1]!, text: rest.replace(/\s+$/, ''), source: this.ref(j, j) });
        continue;
      }
      // `ADDR:  w1 w2   ascii` (memory.c: each word and a space, then two spaces and the ASCII column).
      const pieces = rest.replace(/\s+$/, '').split(/ {3,}/);
      const first = pieces[0]!.trim().split(/\s+/).filter(Boolean);
      let words: string[];
      let ascii: string | null = null;
      if (first.every((w) => RE.hexWord.test(w))) {
        words = first;
        ascii = pieces.length > 1 ? pieces.slice(1).join('   ') : null;
      } else words = rest.trim().split(/\s+/).filter(Boolean); // `rd -s`: symbols padded with spaces
      if (this.room('memory word')) this.memoryWords.push({ address: m[1]!, words, ascii, source: this.ref(j, j) });
    }
    return j;
  }
}

function cleanAddr(a: string): string {
  return a.toLowerCase().replace(/^0x/, '');
}

function frameOf(fn: string, offset: number | null, module: string | null, address: string, reliable: boolean, raw: string, line?: number): Frame {
  const f: Frame = { function: fn, offset, size: null, module, address: address.toLowerCase(), reliable, context: 'task', raw };
  if (line !== undefined) f.line = line;
  return f;
}

/**
 * A transcript pasted with every line indented (a quoted block, a markdown list): strip the indentation all
 * non-blank lines share, so that prompts, `bt` frames (` #0 [...]`) and `sys` keys read as crash printed them.
 */
function dedent(lines: Line[]): Line[] {
  let min = Infinity;
  for (const l of lines) {
    if (l.text.trim() === '') continue;
    const n = /^[ \t]*/.exec(l.text)![0].length;
    if (n < min) min = n;
    if (min === 0) return lines;
  }
  if (!Number.isFinite(min) || min === 0) return lines;
  return lines.map((l) => ({ no: l.no, text: l.text.slice(Math.min(min, l.text.length)) }));
}

const DEBUG_SOURCE_PATH = /\/usr\/src\/debug\/kernel-[^/\s]{1,100}\/linux-([0-9][^/\s]{0,100})\//;
const MODULES_PATH = /\/lib\/modules\/([0-9][^/\s]{0,100})\//;
const VMLINUX_NAME = /\/vmlinux-([0-9][^/\s]{0,100})(?:\s|$)/;

/**
 * The kernel release where `sys` has no RELEASE: the debuginfo paths crash prints (`KERNEL:
 * /usr/lib/debug/lib/modules/4.19.190+/vmlinux`, `/usr/lib/debug/boot/vmlinux-2.6.31-2-generic`, and the
 * source lines of `bt -l` / `dis -l`: `/usr/src/debug/kernel-4.18.0-348.el8/linux-4.18.0-348.el8.x86_64/...`).
 */
function releaseFromPaths(kernelLine: string | null, lines: Line[]): string | null {
  if (kernelLine) {
    const m = MODULES_PATH.exec(kernelLine) ?? VMLINUX_NAME.exec(kernelLine);
    if (m) return m[1]!;
  }
  const n = Math.min(lines.length, 200_000);
  for (let i = 0; i < n; i++) {
    const t = lines[i]!.text;
    if (!t.includes('/usr/src/debug/') && !t.includes('/lib/modules/')) continue;
    const m = DEBUG_SOURCE_PATH.exec(t) ?? MODULES_PATH.exec(t);
    if (m) return m[1]!;
  }
  return null;
}

const MODULE_TAINT_MESSAGE = /(?:^|\s)([\w-]{1,64}): (?:loading out-of-tree module taints kernel|module license '[^']{0,64}' taints kernel|module verification failed: signature and\/or required key missing - tainting kernel)/;

/** Kernel messages pasted with the session that name a module's taint (`zfs: module license 'CDDL' taints kernel.`). */
function moduleTaintMessages(facts: DumpFacts, file: string, lines: Line[]): void {
  const n = Math.min(lines.length, 200_000);
  for (let i = 0; i < n; i++) {
    const t = lines[i]!.text;
    if (!t.includes('taint')) continue;
    const m = MODULE_TAINT_MESSAGE.exec(t);
    if (!m) continue;
    const flag = t.includes('out-of-tree') ? 'O' : t.includes('verification failed') ? 'E' : 'P';
    const cur = facts.loadedModules.find((x) => x.name === m[1]);
    if (cur) { if (!(cur.taint ?? '').includes(flag)) cur.taint = (cur.taint ?? '') + flag; }
    else if (facts.loadedModules.length < 4096) {
      facts.loadedModules.push({ name: m[1]!, base: null, size: null, source: { file, startLine: lines[i]!.no, endLine: lines[i]!.no }, taint: flag });
    }
  }
}

/** Reads a saved crash session (or bare crash command outputs) into the crash model. Never throws. */
export function readCrashSession(sourceName: string, text: string): CrashSessionResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  const lines = dedent(splitLines(text));
  const r = new Reader(sourceName, lines);
  try {
    r.run();
  } catch (err) {
    // Defensive: a parser bug must not lose what was read so far.
    r.gaps.push({ source: sourceName, what: `crash session reader stopped early: ${(err as Error).message}` });
  }
  const sys = r.facts.sys;
  const kernel: Partial<KernelInfo> = {};
  if (sys['RELEASE']) kernel.release = sys['RELEASE'];
  else {
    const rel = releaseFromPaths(sys['KERNEL'] ?? null, lines);
    if (rel) kernel.release = rel;
  }
  moduleTaintMessages(r.facts, sourceName, lines);
  if (sys['VERSION']) kernel.version = sys['VERSION'];
  if (sys['MACHINE']) kernel.arch = sys['MACHINE'].split(/\s+/)[0]!;
  if (sys['NODENAME'] && sys['NODENAME'] !== '(none)') kernel.hostname = sys['NODENAME'];
  let panicMessage: string | null = null;
  if (sys['PANIC'] !== undefined) {
    const m = /^"(.*)"/.exec(sys['PANIC']);
    const p = (m ? m[1]! : sys['PANIC']).trim();
    panicMessage = p === '' ? null : p;
  }
  if (lines.length === 0 || text.trim() === '') r.gaps.push({ source: sourceName, what: 'empty crash session' });
  return {
    facts: r.facts,
    kernel,
    panicMessage,
    log: r.log,
    source: { file: sourceName, format: 'crash-session', bytes, lines: lines.length },
    gaps: r.gaps,
  };
}
