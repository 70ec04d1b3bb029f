// ktriage command line: dispatches to one module per command. Commands hold no analysis logic.
import { type CliIO, usageError } from './io.js';
import { VERSION } from '../version.js';

const HELP = `ktriage ${VERSION}: Linux kernel crash triage

Usage:
  ktriage analyze [options] FILE... | -   diagnose one incident from its artifacts
      --format text|json|md|html           output format (default text); --json = --format json
      --each                               one report per file (JSON lines with --json)
      -o, --output FILE                    write the report to FILE
      --color / --no-color                 ANSI colour in text output (default: on a terminal)
      --crash-vmlinux VMLINUX VMCORE       run the crash utility on VMCORE and read its output
      --debuginfo DIR                      find the matching debug vmlinux in DIR for crash
      --crash-timeout SECONDS              time limit for crash (default 300)
      --max-memory SIZE                    memory budget for what is kept from the inputs (default 256M;
                                           past it, later reports are only counted and a gap says so)
  ktriage title [-H] FILE...               the first crash's syzbot-style title (NAME<TAB>TITLE for several files)
  ktriage dmesg VMCORE                     the kernel log from a vmcore, as makedumpfile --dump-dmesg prints it
  ktriage info VMCORE                      what a vmcore holds: format, pages, release, crash time, CPUs
  ktriage sym [--json] ADDR|NAME VMCORE    an address or a symbol name, from the vmcore's own kallsyms
  ktriage bt [--json] [-a] [PID] VMCORE    backtraces from the vmcore alone (ORC, frame pointers, scan)

Inputs are recognised by content: kernel logs (dmesg, dmesg -T, syslog, RFC 5424, journalctl, serial
console, vmcore-dmesg), saved crash sessions, and vmcores (kdump-compressed, flattened, ELF).
Exit codes: 0 analysis done; 1 done, but some input was only read in part; 2 bad usage or no input read.
`;

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    // Each command is loaded only when called: `ktriage dmesg` does not pay for the log reader and the rules.
    case 'analyze':
      return (await import('./analyze.js')).runAnalyze(rest, io);
    case 'title':
      return (await import('./title.js')).runTitle(rest, io);
    case 'dmesg':
      return (await import('./dmesg.js')).run(rest, io);
    case 'info':
      return (await import('./info.js')).run(rest, io);
    case 'sym':
      return (await import('./sym.js')).run(rest, io);
    case 'bt':
      return (await import('./bt.js')).run(rest, io);
    case '-h':
    case '--help':
    case 'help':
      io.stdout.write(HELP);
      return 0;
    case '-V':
    case '--version':
      io.stdout.write(`ktriage ${VERSION}\n`);
      return 0;
    case undefined:
      io.stderr.write(HELP);
      return 2;
    default:
      return usageError(io, `unknown command '${cmd}' (try 'ktriage --help')`);
  }
}
