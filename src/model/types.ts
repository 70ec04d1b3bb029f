// The crash model: what every reader produces and every rule, diagnosis step and report consumes.
// Documented field by field in docs/model.md. JSON output is this object, versioned by SCHEMA_VERSION.

export const SCHEMA_VERSION = '1.1';

/** The fixed event vocabulary (docs/model.md explains each kind). */
export const EVENT_KINDS = [
  'panic', 'oops', 'null-deref', 'paging-request', 'gpf', 'bug', 'stack-protector', 'soft-lockup',
  'hard-lockup', 'hung-task', 'rcu-stall', 'warning', 'kasan', 'kfence', 'ubsan', 'kmsan',
  'list-corruption', 'double-fault', 'stack-overflow', 'divide-error', 'invalid-opcode', 'oom', 'mce',
  'sysrq', 'lockdep', 'unknown',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Where a piece of the model came from: a file and a 1-based inclusive line range. */
export interface SourceRef {
  file: string;
  startLine: number;
  endLine: number;
  /** For facts read from a vmcore's memory: the kernel object and address they come from (the lines are 0 then). */
  object?: string;
}

export interface Task {
  pid: number | null;
  comm: string | null;
}

/** A symbolised code location as the kernel prints it: `func+0x1a/0x40 [module]`. */
export interface CodeLocation {
  function: string | null;
  offset: number | null;
  size: number | null;
  module: string | null;
  /** Hex address, `0x`-less lower case, when one was printed (e.g. `ffffffffc04f2116`). */
  address: string | null;
}

export interface Frame extends CodeLocation {
  /** false for frames printed with a leading `? ` (the unwinder was not sure). */
  reliable: boolean;
  /** Stack section the frame was printed in: task, irq, softirq, nmi, exception (`<IRQ>` ... markers). */
  context: 'task' | 'irq' | 'softirq' | 'nmi' | 'exception' | null;
  /** The line as printed, without the log prefix. */
  raw: string;
  /** 1-based line of the input it was printed on, when the reader knows it (crash sessions' `bt`). */
  line?: number;
}

export interface EventTime {
  /** Seconds since boot from the printk timestamp, null if the log has none. */
  uptime: number | null;
  /** Wall-clock time as ISO 8601 when the log carries one (syslog, journalctl, dmesg -T); year may be guessed. */
  wallclock: string | null;
}

export interface PanicInfo {
  /** The whole line, e.g. `Kernel panic - not syncing: Fatal exception`; null when none was printed (oops=panic + kdump). */
  message: string | null;
  task: Task;
  cpu: number | null;
}

/** One crash report found in the input (DECISIONS.md section 1). */
export interface CrashEvent {
  /** Position among the report's events (0-based, log order). */
  index: number;
  kind: EventKind;
  /** syzbot-style title (pkg/report rules). */
  title: string;
  altTitles: string[];
  /** syzkaller's crash TYPE derived from the title (e.g. `KASAN-USE-AFTER-FREE-READ`, `HANG`), '' if unknown. */
  type: string;
  corrupted: boolean;
  corruptedReason: string | null;
  /** The header line exactly as printed, without the log prefix. */
  header: string;
  time: EventTime;
  cpu: number | null;
  task: Task;
  /** Raw taint flags string of this event's CPU line (`G           OE`), null when `Not tainted` or absent. */
  taint: string | null;
  hardware: string | null;
  rip: CodeLocation | null;
  registers: Record<string, string>;
  /** `Code:` bytes as printed (the `<xx>` marks the faulting byte). */
  code: string | null;
  frames: Frame[];
  /** Modules of this report's `Modules linked in:` line (empty when none was printed). */
  modules: ModuleInfo[];
  /** Kind-specific facts (e.g. stuckSeconds, blockedSeconds, bugFile/bugLine, faultAddress, oomVictim). */
  details: Record<string, string | number | boolean | null>;
  /** True when this is the event that made the kernel panic (or jump to kdump). */
  panicked: boolean;
  /** Index of the boot that printed the event (0 = first boot in the file). */
  boot: number;
  source: SourceRef;
  /** The event's lines without log prefixes (bounded: at most MAX_EVENT_LINES). */
  lines: string[];
}

export const MAX_EVENT_LINES = 400;

export interface ModuleInfo {
  name: string;
  /** Per-module taint flags printed in parentheses, e.g. `OE`, `P`, `U` (2.6-era unsupported), '' if none. */
  flags: string;
  /** `+` loading / `-` unloading markers when printed, else null. */
  state: '+' | '-' | null;
  /** True for third-party code: proprietary (P), out-of-tree (O), unsigned (E), unsupported (U), staging (C), forced (F). */
  thirdParty: boolean;
  /** When the log shows it loaded (its first taint message), schema 1.1; absent when it does not. */
  loadedAt?: { uptime: number | null; wallclock: string | null; source: string; line: number };
}

export interface TaintFlag {
  flag: string;
  meaning: string;
}

export interface Taint {
  raw: string;
  flags: TaintFlag[];
}

export interface KernelInfo {
  /** uname -r, e.g. `6.1.0-56-amd64`. */
  release: string | null;
  /** The `#1 SMP ...` / distribution version string, e.g. `#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2` or `Debian 6.1.192-2`. */
  version: string | null;
  arch: string | null;
  hostname: string | null;
  hardware: string | null;
  taint: Taint | null;
  /** Set when the log says the NMI watchdog cannot run (schema 1.1): no advice may rest on it. */
  nmiWatchdog?: { available: false; evidence: Evidence };
}

/** Something that could not be read: the report names each gap (exit code 1). */
export interface Gap {
  source: string;
  what: string;
}

export interface InputSource {
  file: string;
  /** What the reader recognised: dmesg, dmesg-T, syslog, rfc5424, journalctl, serial, crash-session, kdump, elf, flattened... */
  format: string;
  bytes: number;
  lines: number | null;
}

// ---- Facts from `crash` sessions and vmcores (consumed by rules) ----

export interface SyscallEntry {
  number: number;
  /** Symbol crash printed, null when it could not name the target. */
  name: string | null;
  address: string;
  /** true when crash printed `invalid sys_call_table entry` or the address is outside kernel text. */
  suspicious: boolean;
  table: 'x64' | 'ia32' | 'unknown';
  /** The system call's own name for this number in its table (`read` for x64 0), when known. */
  syscall?: string | null;
  /** crash's FILE AND LINE NUMBER column, when printed. */
  file?: string | null;
  /** The line as printed. */
  raw?: string;
  /** For a target outside core kernel text read from a vmcore: the module whose memory holds it (`(hidden)` ones too) or `none`. */
  owner?: string | null;
  source: SourceRef;
}

export interface SymbolLookup {
  address: string;
  /** Symbol name or null for `invalid address` / no symbol. */
  symbol: string | null;
  module: string | null;
  source: SourceRef;
}

export interface MemoryString {
  address: string;
  text: string;
  source: SourceRef;
}

export interface Disassembly {
  /** Function the listing is of (from the first `<func+off>` line). */
  function: string | null;
  instructions: { address: string; location: string | null; text: string; sourceLine: string | null }[];
  source: SourceRef;
}

export interface StructFact {
  /** e.g. `struct sock` or `struct request_sock`. */
  type: string;
  address: string | null;
  size: number | null;
  /** Members as printed: name -> value (or `[0x230] rwlock_t sk_callback_lock` offsets as `@0x230`). */
  members: Record<string, string>;
  offsets: Record<string, number>;
  source: SourceRef;
}

export interface TaskState {
  pid: number;
  ppid: number | null;
  cpu: number | null;
  task: string | null;
  state: string;
  comm: string;
  /** `>` mark: running on a CPU at the time of the dump. */
  active: boolean;
}

export interface Backtrace {
  pid: number | null;
  task: string | null;
  cpu: number | null;
  comm: string | null;
  frames: Frame[];
  /** `[exception RIP: func+off]` frames with their registers. */
  exceptions: { rip: CodeLocation; registers: Record<string, string>; origRax: string | null; userMode?: boolean }[];
  /** The command that printed it (`bt`, `bt -a`, `foreach bt` ...), when known. */
  command?: string;
  /** `bt -r`: stack slots that hold a symbolised word (`func+off`), in stack order (bounded). */
  stackSymbols?: { address: string; symbol: string; offset: number | null }[];
  source: SourceRef;
}

/** What a vmcore itself says (ktriage's own reader, without the debug vmlinux). */
export interface VmcoreFacts {
  /** The input's name. */
  file: string;
  /** `kdump`, `flattened` or `elf`, and the reader's description (`kdump-compressed v6`, ...). */
  format: string;
  variant: string;
  /** Page codecs seen. */
  compression: string[];
  pageSize: number;
  /** makedumpfile's dump level (-d), null for ELF. */
  dumpLevel: number | null;
  release: string | null;
  version: string | null;
  hostname: string | null;
  buildId: string | null;
  /** CRASHTIME as ISO 8601 UTC. */
  crashTime: string | null;
  cpus: number | null;
  panicCpu: number | null;
  /** How the panic CPU was found. */
  panicCpuReason: string | null;
  /** The panic CPU's task pid and saved registers (from its crash note), when known. */
  panicTask: number | null;
  registers: Record<string, string>;
  /** The file ends before the pages it describes; null when whole. */
  truncation: { fileBytes: number; expectedBytes: number | null; pagesMissing: number; pagesTotal: number | null } | null;
  /** Kernel log records read from the dump (null when the log could not be read). */
  logRecords: number | null;
}

/** What a vmcore or a crash session says about the machine besides the log. */
export interface DumpFacts {
  /** Set when the facts come from a vmcore read by ktriage itself. */
  vmcore?: VmcoreFacts | null;
  sys: Record<string, string>;
  backtraces: Backtrace[];
  syscallTable: SyscallEntry[];
  symbols: SymbolLookup[];
  strings: MemoryString[];
  disassembly: Disassembly[];
  structs: StructFact[];
  tasks: TaskState[];
  /** Modules as listed by `mod` (name, base address, size) or the dump's module list. */
  loadedModules: {
    name: string; base: string | null; size: number | null; source: SourceRef; taint?: string | null;
    /** Read from a vmcore: in mod_tree or a module vmap area but not on the `modules` list (schema 1.1). */
    hidden?: boolean;
    /** Where the dump holds it: `modules`, `mod_tree`, `vmap_area_list`. */
    foundIn?: string[];
    /** struct module address, when known. */
    module?: string | null;
  }[];
  memory: Record<string, string>;
  /** `rd` memory words as printed (address of the line, words, ASCII column). */
  memoryWords?: { address: string; words: string[]; ascii: string | null; source: SourceRef }[];
  /** `runq`: per-CPU current task and queued tasks. */
  runqueues?: { cpu: number; current: { pid: number; task: string | null; comm: string } | null; queued: { pid: number; task: string | null; comm: string; prio: number | null }[]; source: SourceRef }[];
  /** Errors and warnings the tool printed (`sym: invalid address: ...`, `invalid kernel virtual address: ...`). */
  errors?: { command: string | null; text: string; source: SourceRef }[];
  /** Commands seen but not understood, kept verbatim. */
  unparsed: { command: string; source: SourceRef }[];
}

export function emptyDumpFacts(): DumpFacts {
  return {
    sys: {}, backtraces: [], syscallTable: [], symbols: [], strings: [], disassembly: [], structs: [],
    tasks: [], loadedModules: [], memory: {}, unparsed: [],
  };
}

// ---- Diagnosis ----

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export interface Evidence {
  /** Source file (as given on the command line) or `vmcore`/`derived`. */
  source: string;
  /** 1-based line in that source, null for derived values. */
  line: number | null;
  text: string;
}

export interface Finding {
  /** Stable id (e.g. `third-party-module`); see src/rules/<id>.ts. */
  id: string;
  severity: Severity;
  summary: string;
  evidence: Evidence[];
  /** Events (by index) the finding is about. */
  events: number[];
  /** Free-form structured facts (module names, syscall numbers ...). */
  data: Record<string, unknown>;
}

export interface EventRef {
  index: number;
  kind: EventKind;
  title: string;
  task: Task;
  time: EventTime;
}

export interface RootCause {
  /** An event kind, or `rootkit` / `hardware` / `known-issue` when the cause is not a single event. */
  kind: string;
  function: string | null;
  module: string | null;
  summary: string;
  confidence: 'high' | 'medium' | 'low';
  event: EventRef | null;
  evidence: Evidence[];
}

export interface Consequence {
  event: EventRef;
  /** The rule that links it to the root cause (e.g. `lockup-blocks-rcu`). */
  rule: string;
  explanation: string;
}

export interface Culprit {
  function: string | null;
  module: string | null;
  /** Taint flags of the culprit's module, '' for core kernel code. */
  moduleFlags: string | null;
  thirdParty: boolean;
  frame: Frame | null;
  reason: string;
  /** Whether the backtrace the culprit comes from can be trusted. */
  backtraceReliable: boolean;
}

export interface KnownIssueMatch {
  id: string;
  title: string;
  /** First fixed version for this kernel's line, when known. */
  fixedIn: string[];
  references: string[];
  workarounds: string[];
  /** Why it matched. */
  evidence: Evidence[];
  /** Whether the running kernel is known to be affected (below the fix), unknown if versions cannot be compared. */
  affected: 'yes' | 'no' | 'unknown';
  /** `ktriage`: one of the hand-written issues (src/knowledge/issues/); `cve`: a record of the local CVE index. */
  source: 'ktriage' | 'cve';
  /** How closely the crash matches: high (title and frames, or four frames in order), medium, low. */
  confidence: 'high' | 'medium' | 'low';
  /** What the match rests on: `title`, `frames`, `subject` (CVE records); `stack`, `function`, `header`, `struct`, `module` (hand-written). */
  matchedBy: string[];
  /** The version gate in one sentence: `affected, fixed in 6.1.95`, `this kernel already has the fix ...`, `unknown for this kernel ...`. */
  status: string;
  /** The mainline fix commit (CVE records), null when unknown. */
  fixCommit: string | null;
}

export interface Recommendation {
  id: string;
  priority: number;
  text: string;
  /** Finding ids this follows from. */
  because: string[];
  /** Commands to run, filled in from the report (next steps: crash, faddr2line, modinfo ...; schema 1.1). */
  commands?: string[];
}

export interface Diagnosis {
  rootCause: RootCause | null;
  consequences: Consequence[];
  culprit: Culprit | null;
  findings: Finding[];
  knownIssues: KnownIssueMatch[];
  recommendations: Recommendation[];
}

export interface PrimaryCrash {
  index: number;
  title: string;
  kind: EventKind;
  type: string;
  corrupted: boolean;
  task: Task;
  cpu: number | null;
}

/** Where an incident's material comes from: an input, and for a log the boot (0-based) and its first line. */
export interface IncidentPart {
  source: string;
  boot: number | null;
  firstLine: number | null;
}

/**
 * One boot of one machine that holds crash events (DECISIONS.md 6). Inputs whose release, build id,
 * hostname, uptimes, panic string or crash time disagree, and the boots of one log, are incidents of their
 * own; nothing links across two of them. Incident 0's fields are the report's top-level ones.
 */
export interface Incident {
  index: number;
  /** Why it stands apart from the incidents before it; null for the first. */
  splitReason: string | null;
  parts: IncidentPart[];
  kernel: KernelInfo;
  modules: ModuleInfo[];
  lastUnloaded: string | null;
  crash: PrimaryCrash | null;
  panic: PanicInfo | null;
  events: CrashEvent[];
  eventsOmitted: { count: number; byTitle: Record<string, number> };
  dump: DumpFacts | null;
  diagnosis: Diagnosis;
}

export interface Report {
  schemaVersion: string;
  tool: { name: 'ktriage'; version: string };
  sources: InputSource[];
  kernel: KernelInfo;
  modules: ModuleInfo[];
  /** `Last unloaded:` / `last unloaded:` module, when printed. */
  lastUnloaded: string | null;
  /** The primary crash: the first event of the log (DECISIONS.md 1). */
  crash: PrimaryCrash | null;
  panic: PanicInfo | null;
  events: CrashEvent[];
  /** Events beyond the detail limit, counted by title. */
  eventsOmitted: { count: number; byTitle: Record<string, number> };
  dump: DumpFacts | null;
  diagnosis: Diagnosis;
  gaps: Gap[];
  /** Hardware error lines of the logs, inside reports or not (corrected machine checks, EDAC, memory
   *  failures): what hardware findings read besides events. At most 64; absent when there are none. */
  hardwareLog?: Evidence[];
  /** Every incident of the inputs, the first being the one of the top-level fields (schema 1.1). */
  incidents: Incident[];
}
