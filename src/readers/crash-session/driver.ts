// Runs the `crash` utility on a vmcore with its debug vmlinux and returns a transcript that
// readCrashSession() reads (`crash> CMD` followed by each command's output).
//
// One crash process, fed on stdin (batch mode, `crash -s VMLINUX VMCORE`). Each command's output is
// redirected by crash itself to its own file in a private temporary directory (`CMD > FILE`), which
// keeps outputs apart without prompts. The fixed script:
//   pass 1: sys, bt, bt -a, log, mod, mod -t, ps, sys -c, kmem -i
//   pass 2: sym ADDR for each address named by the panic (PANIC string, exception RIP, return address
//           in panic()'s caller), dis -rl of the first two, then any extra commands.
// Pass 2 is written once pass 1 is done (a sentinel `eval 1` output file appears), in the same process,
// so gdb reads the 0.5-1 GB debug vmlinux once.

import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, isAbsolute, join } from 'node:path';
import { readCrashSession } from './index.js';

export interface RunCrashOptions {
  vmlinux: string;
  vmcore: string;
  /** The crash executable (default: `crash` from PATH). */
  crashPath?: string;
  /** Whole run, start-up included (default 300 s: gdb needs 15-60 s to read a debug vmlinux). */
  timeoutMs?: number;
  /** More crash commands for pass 2 (no shell escapes, pipes or redirections). */
  extraCommands?: string[];
}

export const DEFAULT_CRASH_TIMEOUT_MS = 300_000;
export const PASS1_COMMANDS = ['sys', 'bt', 'bt -a', 'log', 'mod', 'mod -t', 'ps', 'sys -c', 'kmem -i'] as const;
const POLL_MS = 50;
const QUIT_GRACE_MS = 5000;
const MAX_OUTPUT = 64 * 1024 * 1024;

/** First bytes of the dump formats crash reads (kdump, diskdump, flattened, ELF, LKCD-less). */
export function looksLikeDump(path: string): boolean {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const b = Buffer.alloc(12);
    const n = readSync(fd, b, 0, 12, 0);
    const s = b.subarray(0, n).toString('latin1');
    return s.startsWith('KDUMP   ') || s.startsWith('DISKDUMP') || s.startsWith('\x7fELF') || s.startsWith('makedumpfile');
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function findOnPath(cmd: string): string | null {
  if (cmd.includes('/')) return existsSync(cmd) ? cmd : null;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch { /* next */ }
  }
  return null;
}

function checkFile(path: string, what: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new Error(`${what} not found: ${path}`);
  }
  if (!st.isFile()) throw new Error(`${what} is not a file: ${path}`);
}

/** crash's own complaint, on one line (`vmlinux and vmcore do not match!`, `not a supported file format`...). */
export function crashComplaint(output: string): string | null {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const pick = lines.find((l) => /do not match/.test(l)) ?? lines.find((l) => /^crash: /.test(l) && !/^crash: (?:page excluded|seek error)/.test(l));
  if (!pick) return null;
  return pick.replace(/^crash:\s*/, '').replace(/[\x00-\x1f\x7f]/g, '').slice(0, 300);
}

function validateExtra(cmd: string): string {
  const c = cmd.trim();
  if (!c || /[\n\r!|>]/.test(c) || /^(?:q|quit|exit)\b/.test(c)) throw new Error(`unsafe or empty crash command: ${JSON.stringify(cmd)}`);
  return c;
}

/** Addresses worth `sym`/`dis`: the PANIC string's address, kernel exception RIPs, the return address after panic(). */
export function panicAddresses(pass1: string): string[] {
  const r = readCrashSession('crash', pass1);
  const out: string[] = [];
  const add = (a: string | null | undefined) => {
    if (!a) return;
    const x = a.toLowerCase().replace(/^0x/, '');
    if (/^[0-9a-f]{8,16}$/.test(x) && !out.includes(x)) out.push(x);
  };
  const bt = r.facts.backtraces.find((b) => b.command === 'bt') ?? r.facts.backtraces[0];
  if (bt) {
    for (const e of bt.exceptions) if (e.userMode === false) add(e.rip.address);
    const i = bt.frames.findIndex((f) => f.function === 'panic');
    if (i >= 0 && i + 1 < bt.frames.length) add(bt.frames[i + 1]!.address);
  }
  const m = /corrupted in:\s*(?:0x)?([0-9a-f]{8,16})\b/.exec(r.panicMessage ?? '');
  if (m) out.unshift(m[1]!);
  return [...new Set(out)].slice(0, 4);
}

/**
 * Runs crash and returns the transcript. Throws one clear Error (one line) when crash or an input is
 * missing, the vmlinux does not match the vmcore, crash fails, or the timeout expires.
 */
export async function runCrash(opts: RunCrashOptions): Promise<string> {
  checkFile(opts.vmlinux, 'vmlinux');
  checkFile(opts.vmcore, 'vmcore');
  if (!looksLikeDump(opts.vmcore)) throw new Error(`${opts.vmcore}: not a vmcore crash can read (kdump, flattened or ELF dump expected)`);
  const crash = findOnPath(opts.crashPath ?? 'crash');
  if (!crash) {
    throw new Error(opts.crashPath ? `crash executable not found: ${opts.crashPath}` : 'crash not found on PATH (install the crash package, or pass its path)');
  }
  const extra = (opts.extraCommands ?? []).map(validateExtra);
  const timeoutMs = opts.timeoutMs && opts.timeoutMs > 0 ? opts.timeoutMs : DEFAULT_CRASH_TIMEOUT_MS;
  const dir = mkdtempSync(join(tmpdir(), 'ktriage-crash-'));
  try {
    return await session(crash, opts, extra, timeoutMs, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function session(crash: string, opts: RunCrashOptions, extra: string[], timeoutMs: number, dir: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const vmlinux = isAbsolute(opts.vmlinux) ? opts.vmlinux : join(process.cwd(), opts.vmlinux);
    const vmcore = isAbsolute(opts.vmcore) ? opts.vmcore : join(process.cwd(), opts.vmcore);
    const child = spawn(crash, ['-s', vmlinux, vmcore], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, CRASHPAGER: '', PAGER: 'cat', TERM: 'dumb' } });
    let output = '';
    let settled = false;
    let exited = false;
    const commands: { cmd: string; file: string }[] = [];
    let n = 0;
    const collect = (d: Buffer) => { if (output.length < MAX_OUTPUT) output += d.toString('utf8'); };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.stdin.on('error', () => { /* crash exited early: reported below */ });

    const finish = (err: Error | null, text?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(poll);
      if (!exited) {
        try { child.kill('SIGKILL'); } catch { /* gone */ }
      }
      if (err) reject(err);
      else resolve(text!);
    };
    const timer = setTimeout(() => {
      finish(new Error(`crash did not finish within ${Math.round(timeoutMs / 1000)} s (${basename(opts.vmcore)}); raise --crash-timeout`));
    }, timeoutMs);

    const send = (cmds: string[]): string => {
      const lines: string[] = [];
      for (const c of cmds) {
        const file = join(dir, `out${n++}.txt`);
        commands.push({ cmd: c, file });
        lines.push(`${c} > ${file}`);
      }
      const sentinel = join(dir, `done${n++}.txt`);
      lines.push(`eval 1 > ${sentinel}`);
      child.stdin.write(lines.join('\n') + '\n');
      return sentinel;
    };
    const done = (sentinel: string): boolean => {
      try { return statSync(sentinel).size > 0; } catch { return false; }
    };
    const transcript = (): string => {
      const parts: string[] = [];
      const pre = output.trim();
      if (pre) parts.push(pre + '\n');
      for (const c of commands) {
        let body = '';
        try { body = readFileSync(c.file, 'utf8'); } catch { body = ''; }
        if (body && !body.endsWith('\n')) body += '\n';
        parts.push(`crash> ${c.cmd}\n${body}`);
      }
      return parts.join('');
    };

    let phase = 1;
    let result: string | null = null;
    let sentinel = send([...PASS1_COMMANDS]);
    const poll = setInterval(() => {
      if (settled || !done(sentinel)) return;
      if (phase === 1) {
        phase = 2;
        const addrs = panicAddresses(transcript());
        const cmds = addrs.map((a) => `sym ${a}`);
        // dis -rl of the first two: an address no symbol owns cannot be disassembled, the next one can.
        for (const a of addrs.slice(0, 2)) cmds.push(`dis -rl ${a}`);
        cmds.push(...extra);
        sentinel = send(cmds);
        return;
      }
      // Done: let crash quit on its own (a few seconds at most), then hand the transcript back.
      result = transcript();
      clearInterval(poll);
      try { child.stdin.end('q\n'); } catch { /* already closed */ }
      setTimeout(() => finish(null, result!), QUIT_GRACE_MS).unref();
    }, POLL_MS);

    child.on('error', (err) => finish(new Error(`cannot run ${crash}: ${err.message}`)));
    child.on('close', (code, signal) => {
      exited = true;
      if (settled) return;
      if (result !== null) { finish(null, result); return; }
      // crash ended before the script did: start-up failure (mismatch, bad file) or a crash of crash.
      const why = crashComplaint(output);
      if (why) finish(new Error(`crash: ${why}`));
      else finish(new Error(`crash exited early (${signal ? `signal ${signal}` : `status ${code}`}) before running its commands`));
    });
  });
}

/** Finds the debug vmlinux for the given vmcores in DIR (Debian/RHEL layouts), matching the dump's release. */
export function findDebugVmlinux(dir: string, files: string[]): string | null {
  const candidates: string[] = [];
  const visit = (d: string, depth: number) => {
    if (depth > 6 || candidates.length > 200) return;
    let entries;
    try { entries = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p, depth + 1);
      else if ((e.isFile() || e.isSymbolicLink()) && /^vmlinux(?:-.+)?$/.test(e.name) && !/\.(?:gz|xz|zst|bz2)$/.test(e.name)) candidates.push(p);
    }
  };
  visit(dir, 0);
  if (candidates.length === 0) return null;
  const releases = files.filter((f) => f !== '-').map(dumpRelease).filter((r): r is string => !!r);
  for (const rel of releases) {
    const hit = candidates.find((c) => basename(c) === `vmlinux-${rel}`) ?? candidates.find((c) => c.split('/').includes(rel));
    if (hit) return hit;
  }
  return releases.length === 0 && candidates.length === 1 ? candidates[0]! : null;
}

/** The kernel release a dump names in its VMCOREINFO (`OSRELEASE=`), read from its first 8 MiB. */
export function dumpRelease(path: string): string | null {
  if (!looksLikeDump(path)) return null;
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(8 * 1024 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const s = buf.subarray(0, n).toString('latin1');
    const m = /OSRELEASE=([\x21-\x7e]{1,64})/.exec(s);
    return m ? m[1]! : null;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
