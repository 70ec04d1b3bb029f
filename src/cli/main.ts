// ktriage command line: dispatches to one module per command. Commands hold no analysis logic.
import { type CliIO, usageError } from './io.js';
import { VERSION } from '../version.js';

/** What a command module gives the dispatcher: its usage text (`--help`) and its entry. */
export interface Command {
  usage: string;
  run(args: string[], io: CliIO): Promise<number>;
}

/**
 * The verbs. A new verb is one line here: a summary for `ktriage --help` and a loader for its module,
 * which exports `USAGE` (its full `--help` text) and its run function. `ktriage VERB --help` (or `-h`)
 * prints that usage and exits 0 without running the command, for every verb (docs/architecture.md).
 * Modules are loaded only when called: `ktriage dmesg` does not pay for the log reader and the rules.
 */
export const COMMANDS: Record<string, { summary: string; load(): Promise<Command> }> = {
  analyze: { summary: 'analyze [options] FILE... | -  diagnose a crash from its artifacts (one report per incident)', load: async () => { const m = await import('./analyze.js'); return { usage: m.USAGE, run: m.runAnalyze }; } },
  title: { summary: 'title [-H] FILE...               the first crash\'s syzbot-style title (NAME<TAB>TITLE for several files)', load: async () => { const m = await import('./title.js'); return { usage: m.USAGE, run: m.runTitle }; } },
  dmesg: { summary: 'dmesg [--caller-id] VMCORE       the kernel log from a vmcore, as makedumpfile --dump-dmesg prints it', load: async () => { const m = await import('./dmesg.js'); return { usage: m.USAGE, run: m.run }; } },
  info: { summary: 'info [--json] VMCORE             what a vmcore holds: format, pages, release, crash time, CPUs', load: async () => { const m = await import('./info.js'); return { usage: m.USAGE, run: m.run }; } },
  kb: { summary: 'kb update|search|show ...         the local CVE index: build it from the kernel CNA\'s records, look records up', load: async () => { const m = await import('./kb.js'); return { usage: m.USAGE, run: m.runKb }; } },
  sym: { summary: 'sym [--json] ADDR|NAME VMCORE    an address or a symbol name, from the vmcore\'s own kallsyms', load: async () => { const m = await import('./sym.js'); return { usage: m.USAGE, run: m.run }; } },
  struct: { summary: 'struct [--json] TYPE[.MEMBER] [ADDR] VMCORE  a type\'s layout or an object\'s values, from the vmcore\'s BTF', load: async () => { const m = await import('./struct.js'); return { usage: m.USAGE, run: m.run }; } },
  bt: { summary: 'bt [--json] [-a] [PID] VMCORE    backtraces from the vmcore alone (ORC, frame pointers, scan)', load: async () => { const m = await import('./bt.js'); return { usage: m.USAGE, run: m.run }; } },
  ps: { summary: 'ps [--json] VMCORE               the tasks, shaped like crash\'s ps (the kernel\'s own task list)', load: async () => { const m = await import('./ps.js'); return { usage: m.USAGE, run: m.run }; } },
  mod: { summary: 'mod [--json] [-t] VMCORE         loaded modules like crash\'s mod, hidden ones marked', load: async () => { const m = await import('./mod.js'); return { usage: m.USAGE, run: m.run }; } },
  sys: { summary: 'sys [--json] VMCORE              the system facts, shaped like crash\'s sys', load: async () => { const m = await import('./sys.js'); return { usage: m.USAGE, run: m.run }; } },
  syscalls: { summary: 'syscalls [--json] VMCORE         the system call table like crash\'s sys -c, each entry\'s owner', load: async () => { const m = await import('./syscalls.js'); return { usage: m.USAGE, run: m.run }; } },
  rd: { summary: 'rd [--json] [-a] ADDR|SYMBOL [COUNT] VMCORE  kernel memory like crash\'s rd (words) and rd -a (strings)', load: async () => { const m = await import('./rd.js'); return { usage: m.USAGE, run: m.run }; } },
  log: { summary: 'log [--json] [--caller-id] VMCORE the kernel log, as crash\'s log and makedumpfile --dump-dmesg print it', load: async () => { const m = await import('./log.js'); return { usage: m.USAGE, run: m.run }; } },
  serve: { summary: 'serve [--database URL] [--data-dir DIR] [--listen HOST:PORT] ...   the fleet service: API and web UI (docs/fleet.md)', load: async () => { const m = await import('./serve.js'); return { usage: m.USAGE, run: m.run }; } },
  worker: { summary: 'worker --server URL [--token T]  analyse uploaded vmcores (the fleet service\'s jobs)', load: async () => { const m = await import('./worker.js'); return { usage: m.USAGE, run: m.run }; } },
  push: { summary: 'push --server URL [--token T] [--host H] [--label k=v] FILE...   send reports to the fleet service', load: async () => { const m = await import('./push.js'); return { usage: m.USAGE, run: m.run }; } },
  fleet: { summary: 'fleet rebucket|simulate ...       recompute buckets; a reproducible synthetic fleet', load: async () => { const m = await import('./fleet.js'); return { usage: m.USAGE, run: m.run }; } },
};

function help(): string {
  return `ktriage ${VERSION}: Linux kernel crash triage

Usage:
${Object.values(COMMANDS).map((c) => `  ktriage ${c.summary}`).join('\n')}

\`ktriage COMMAND --help\` shows a command's options.
Inputs are recognised by content: kernel logs (dmesg, dmesg -T, syslog, RFC 5424, journalctl, serial
console, vmcore-dmesg), saved crash sessions, and vmcores (kdump-compressed, flattened, ELF); gzip- and
zstd-compressed files are read as what they hold.
Exit codes: 0 analysis done; 1 done, but some input was only read in part; 2 bad usage or no input read.
`;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd !== undefined && Object.hasOwn(COMMANDS, cmd)) {
    const c = await COMMANDS[cmd]!.load();
    // `--help` anywhere before a `--` asks for the usage, whatever else is given.
    const end = rest.indexOf('--');
    const opts = end < 0 ? rest : rest.slice(0, end);
    if (opts.includes('--help') || opts.includes('-h')) {
      io.stdout.write(c.usage.endsWith('\n') ? c.usage : `${c.usage}\n`);
      return 0;
    }
    return c.run(rest, io);
  }
  switch (cmd) {
    case '-h':
    case '--help':
    case 'help':
      if (rest[0] && Object.hasOwn(COMMANDS, rest[0])) {
        const c = await COMMANDS[rest[0]]!.load();
        io.stdout.write(c.usage.endsWith('\n') ? c.usage : `${c.usage}\n`);
        return 0;
      }
      io.stdout.write(help());
      return 0;
    case '-V':
    case '--version':
      io.stdout.write(`ktriage ${VERSION}\n`);
      return 0;
    case undefined:
      io.stderr.write(help());
      return 2;
    default:
      return usageError(io, `unknown command '${cmd}' (try 'ktriage --help')`);
  }
}
