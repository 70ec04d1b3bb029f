// The JSON Schema (draft 2020-12) of the JSON report, versioned with SCHEMA_VERSION.
// docs/report.schema.json is this object written out (a test keeps them equal; regenerate with
// `npm run build && node -e "import('./dist/src/report/schema.js').then(m => process.stdout.write(m.schemaJson()))" > docs/report.schema.json`).
// The JSON writer (json.ts) also takes its key order from the `properties` order here.
import { EVENT_KINDS, SCHEMA_VERSION } from '../model/types.js';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` });
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const str: Schema = { type: 'string' };
const nstr: Schema = { type: ['string', 'null'] };
const int: Schema = { type: 'integer' };
const nint: Schema = { type: ['integer', 'null'] };
const bool: Schema = { type: 'boolean' };
const arr = (items: Schema): Schema => ({ type: 'array', items });
/** A closed object: every listed property is required (the writer never omits one), no others. */
function obj(description: string, properties: Record<string, Schema>): Schema {
  return { type: 'object', description, properties, required: Object.keys(properties), additionalProperties: false };
}
function d(description: string, s: Schema): Schema {
  return { description, ...s };
}
const scalarMap: Schema = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } };
const stringMap: Schema = { type: 'object', additionalProperties: str };

const defs: Record<string, Schema> = {
  sourceRef: obj('Where a piece of the model came from: file and 1-based inclusive line range.', {
    file: str, startLine: int, endLine: int,
  }),
  task: obj('A task: pid and comm, null when not printed.', { pid: nint, comm: nstr }),
  codeLocation: obj('A symbolised code location `func+0x1a/0x40 [module]`.', {
    function: nstr, offset: nint, size: nint, module: nstr,
    address: d('Hex address without 0x, lower case.', nstr),
  }),
  frame: obj('One backtrace frame.', {
    function: nstr, offset: nint, size: nint, module: nstr, address: nstr,
    reliable: d('false for frames printed with a leading `? `.', bool),
    context: { enum: ['task', 'irq', 'softirq', 'nmi', 'exception', null] },
    raw: d('The line as printed, without the log prefix.', str),
  }),
  time: obj('When an event was printed.', {
    uptime: d('Seconds since boot (printk timestamp).', { type: ['number', 'null'] }),
    wallclock: d('ISO 8601 wall-clock time when the log carries one.', nstr),
  }),
  module: obj('A module of `Modules linked in:`.', {
    name: str,
    flags: d('Per-module taint letters, e.g. `OE`; empty for none.', str),
    state: { enum: ['+', '-', null] },
    thirdParty: d('Proprietary, out-of-tree, unsigned, unsupported, staging or forced.', bool),
  }),
  taint: obj('Kernel taint of the first event.', {
    raw: str,
    flags: arr(obj('One taint letter.', { flag: str, meaning: str })),
  }),
  event: obj('One crash report found in the input.', {
    index: int,
    kind: { enum: [...EVENT_KINDS] },
    title: d('syzbot-style title.', str),
    altTitles: arr(str),
    type: d("syzkaller's crash TYPE, '' when unknown.", str),
    corrupted: bool,
    corruptedReason: nstr,
    header: str,
    time: ref('time'),
    cpu: nint,
    task: ref('task'),
    taint: nstr,
    hardware: nstr,
    rip: nullable(ref('codeLocation')),
    registers: stringMap,
    code: nstr,
    frames: arr(ref('frame')),
    modules: arr(ref('module')),
    details: scalarMap,
    panicked: bool,
    boot: int,
    source: ref('sourceRef'),
    lines: { type: 'array', items: str, maxItems: 400 },
  }),
  eventRef: obj('An event named by a diagnosis item.', {
    index: int, kind: { enum: [...EVENT_KINDS] }, title: str, task: ref('task'), time: ref('time'),
  }),
  evidence: obj('A line or value a claim rests on.', {
    source: d('Source file, or `vmcore`/`derived`.', str),
    line: d('1-based line, null for derived values.', nint),
    text: str,
  }),
  rootCause: obj('The diagnosis\' conclusion.', {
    kind: d('An event kind, or rootkit / hardware / known-issue.', str),
    function: nstr, module: nstr, summary: str,
    confidence: { enum: ['high', 'medium', 'low'] },
    event: nullable(ref('eventRef')),
    evidence: arr(ref('evidence')),
  }),
  consequence: obj('An event explained by the root cause.', {
    event: ref('eventRef'),
    rule: d('The rule that links the event to the root cause.', str),
    explanation: str,
  }),
  culprit: obj('Whose code is to blame.', {
    function: nstr, module: nstr,
    moduleFlags: d("Taint flags of the culprit's module, '' for core kernel code.", nstr),
    thirdParty: bool,
    frame: nullable(ref('frame')),
    reason: str,
    backtraceReliable: bool,
  }),
  finding: obj('What a rule found.', {
    id: d('Stable rule id, e.g. third-party-module.', str),
    severity: { enum: ['info', 'low', 'medium', 'high', 'critical'] },
    summary: str,
    evidence: arr(ref('evidence')),
    events: arr(int),
    data: { type: 'object' },
  }),
  knownIssue: obj('A known bug the crash matches.', {
    id: str, title: str,
    fixedIn: arr(str), references: arr(str), workarounds: arr(str),
    evidence: arr(ref('evidence')),
    affected: { enum: ['yes', 'no', 'unknown'] },
    source: d('ktriage: a hand-written issue; cve: a record of the local CVE index.', { enum: ['ktriage', 'cve'] }),
    confidence: { enum: ['high', 'medium', 'low'] },
    matchedBy: d('What the match rests on: title, frames, subject (CVE records); stack, function, header, struct, module.', arr(str)),
    status: d('The version gate in one sentence.', str),
    fixCommit: nstr,
  }),
  recommendation: obj('What to do.', {
    id: str, priority: int, text: str, because: d('Finding ids.', arr(str)),
  }),
  dump: obj('Facts from a crash session or a vmcore.', {
    sys: stringMap,
    backtraces: arr({ type: 'object' }),
    syscallTable: arr({ type: 'object' }),
    symbols: arr({ type: 'object' }),
    strings: arr({ type: 'object' }),
    disassembly: arr({ type: 'object' }),
    structs: arr({ type: 'object' }),
    tasks: arr({ type: 'object' }),
    loadedModules: arr({ type: 'object' }),
    memory: stringMap,
    unparsed: arr({ type: 'object' }),
  }),
};

defs.kernel = obj('The crashed kernel.', {
  release: d('uname -r.', nstr),
  version: d('`#1 SMP ...` or the distribution version string.', nstr),
  arch: nstr,
  hostname: nstr,
  hardware: nstr,
  taint: nullable(ref('taint')),
});
defs.primaryCrash = obj('The primary crash: the first event of the log.', {
  index: int, title: str, kind: { enum: [...EVENT_KINDS] }, type: str, corrupted: bool, task: ref('task'), cpu: nint,
});
defs.panic = obj('The task that called panic().', { message: nstr, task: ref('task'), cpu: nint });
defs.eventsOmitted = obj('Events beyond the detail limit, counted by title.', {
  count: int, byTitle: { type: 'object', additionalProperties: int },
});
defs.diagnosis = obj('Root cause, consequences, culprit, findings, known issues, recommendations.', {
  rootCause: nullable(ref('rootCause')),
  consequences: arr(ref('consequence')),
  culprit: nullable(ref('culprit')),
  findings: arr(ref('finding')),
  knownIssues: arr(ref('knownIssue')),
  recommendations: arr(ref('recommendation')),
});
defs.incident = obj('One boot of one machine that holds crash events, with its own diagnosis.', {
  index: int,
  splitReason: d('Why it stands apart from the incidents before it; null for the first.', nstr),
  parts: arr(obj('An input (and for a log the boot and its first line) the incident is made of.', { source: str, boot: nint, firstLine: nint })),
  kernel: ref('kernel'),
  modules: arr(ref('module')),
  lastUnloaded: nstr,
  crash: nullable(ref('primaryCrash')),
  panic: nullable(ref('panic')),
  events: arr(ref('event')),
  eventsOmitted: ref('eventsOmitted'),
  dump: nullable(ref('dump')),
  diagnosis: ref('diagnosis'),
});

// A vmcore read by ktriage itself adds what the dump says (optional: crash sessions have none).
(defs.dump!.properties as Record<string, Schema>).vmcore = d('What a vmcore says (format, pages, crash time, panic CPU and its registers, release, build id, truncation).', nullable(obj('The vmcore.', {
  file: str, format: str, variant: str, compression: arr(str), pageSize: int, dumpLevel: nint,
  release: nstr, version: nstr, hostname: nstr, buildId: nstr,
  crashTime: d('CRASHTIME, ISO 8601 UTC.', nstr),
  cpus: nint, panicCpu: nint, panicCpuReason: nstr, panicTask: nint, registers: stringMap,
  truncation: nullable(obj('The file ends before the pages it describes.', { fileBytes: int, expectedBytes: nint, pagesMissing: int, pagesTotal: nint })),
  logRecords: nint,
})));

// The log's word that the NMI watchdog cannot run (optional: most logs say nothing).
(defs.kernel!.properties as Record<string, Schema>).nmiWatchdog = d('Set when the log says the NMI watchdog cannot run.', obj('The NMI watchdog.', { available: { const: false }, evidence: ref('evidence') }));

// Next steps carry the commands to run (optional: other recommendations have none).
(defs.recommendation!.properties as Record<string, Schema>).commands = d('Commands filled in from the report (crash, faddr2line, gdb, modinfo, ktriage).', arr(str));

// When a module was loaded, where the log shows it (optional).
(defs.module!.properties as Record<string, Schema>).loadedAt = d('When the log shows the module loaded (its first taint message).', obj('A module load.', {
  uptime: { type: ['number', 'null'] }, wallclock: nstr, source: str, line: int,
}));

// A crash session's frames also say which line of the input printed them (optional: a log's frames are cited by their event).
(defs.frame!.properties as Record<string, Schema>).line = d('1-based input line the frame was printed on, when known (crash sessions).', int);

export const REPORT_SCHEMA: Schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `urn:ktriage:report:${SCHEMA_VERSION}`,
  title: 'ktriage report',
  description: `The report of \`ktriage analyze --json\` and of analyze() in the library, schema version ${SCHEMA_VERSION}. Field by field: docs/json-schema.md.`,
  type: 'object',
  properties: {
    schemaVersion: { const: SCHEMA_VERSION },
    tool: obj('The tool that wrote the report.', { name: { const: 'ktriage' }, version: str }),
    sources: arr(obj('One input.', { file: str, format: str, bytes: int, lines: nint })),
    kernel: ref('kernel'),
    modules: arr(ref('module')),
    lastUnloaded: nstr,
    crash: nullable(ref('primaryCrash')),
    panic: nullable(ref('panic')),
    events: arr(ref('event')),
    eventsOmitted: ref('eventsOmitted'),
    dump: nullable(ref('dump')),
    diagnosis: ref('diagnosis'),
    gaps: arr(obj('Something that could not be read.', { source: str, what: str })),
    hardwareLog: {
      ...arr(obj('A hardware error line of a log.', { source: str, line: int, text: str })),
      description: 'Optional: hardware error lines of the logs, inside crash reports or not (corrected machine checks, EDAC, memory failures), at most 64; absent when there are none.',
    },
    incidents: d('Every incident (one boot of one machine with crash events); the first is the one of the top-level fields.', { type: 'array', items: ref('incident'), minItems: 1 }),
  },
  required: [
    'schemaVersion', 'tool', 'sources', 'kernel', 'modules', 'lastUnloaded', 'crash', 'panic', 'events',
    'eventsOmitted', 'dump', 'diagnosis', 'gaps', 'incidents',
  ],
  additionalProperties: false,
  $defs: defs,
};

/** docs/report.schema.json's text. */
export function schemaJson(): string {
  return `${JSON.stringify(REPORT_SCHEMA, null, 2)}\n`;
}
