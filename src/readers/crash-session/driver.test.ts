import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCrash, findDebugVmlinux, dumpRelease, panicAddresses } from './driver.js';
import { readCrashSession } from './index.js';
import { repoRoot, LAB_OUT } from '../../../test/paths.js';

// A fake `crash` executable: it reads the batch script on stdin like crash does (`CMD > FILE` lines)
// and writes the real crash 8.0.2 outputs saved in test/fixtures/crash/rootkit-hidden-module/ to each
// FILE, so the driver's spawning, script, sentinel polling, timeout and error paths really run.
const DATA = join(repoRoot(), 'test', 'fixtures', 'crash', 'rootkit-hidden-module');

function setup(): { dir: string; crash: string; vmlinux: string; vmcore: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ktriage-fake-crash-'));
  const crash = join(dir, 'crash');
  const log = join(dir, 'commands.log');
  writeFileSync(crash, `#!/bin/sh
D='${DATA.replace(/'/g, "'\\''")}'
LOG='${log.replace(/'/g, "'\\''")}'
[ "$1" = "-s" ] || { echo "crash: usage"; exit 1; }
case "$(head -c 64 "$2")" in
  *MISMATCH*) echo "crash: $2 and $3 do not match!"; echo; echo "Usage:"; echo "  crash [OPTION]... NAMELIST MEMORY-IMAGE"; exit 1;;
  *HANG*) exec sleep 30;;
esac
echo "WARNING: active task ffff8db05ff48000 on cpu 0 not found in PID hash"
echo
while IFS= read -r line; do
  cmd="\${line%% > *}"; out="\${line##* > }"
  echo "$cmd" >> "$LOG"
  case "$cmd" in
    sys) cat "$D/crash-sys.txt" > "$out";;
    bt) cat "$D/crash-bt.txt" > "$out";;
    "bt -a") cat "$D/crash-bt-a.txt" > "$out";;
    log) cat "$D/crash-log.txt" > "$out";;
    mod) sed -e '/^no tainted/,$d' -e '/^NAME /,$d' "$D/crash-mod.txt" > "$out";;
    "mod -t") sed -n -e '/^no tainted/,$p' "$D/crash-mod.txt" > "$out";;
    ps) cat "$D/crash-ps.txt" > "$out";;
    "sys -c") cat "$D/crash-sys-c.txt" > "$out";;
    "kmem -i") cat "$D/crash-kmem-i.txt" > "$out";;
    "sym ffffffffc04f2116") cat "$D/crash-sym.txt" > "$out";;
    "sym "*) echo "\${cmd#sym } (T) kthread+218 ../kernel/kthread.c: 376" > "$out";;
    "dis -rl ffffffff8aacd41a") cat "$D/crash-dis-panic.txt" > "$out";;
    "dis -rl "*) echo "dis: invalid address: \${cmd#dis -rl }" > "$out";;
    "rd -a "*) cat "$D/crash-rd-a.txt" > "$out";;
    "eval "*) printf 'hexadecimal: 1\\n    decimal: 1\\n' > "$out";;
    q) exit 0;;
    *) echo "crash: command not found: $cmd" > "$out";;
  esac
done
`);
  chmodSync(crash, 0o755);
  const vmlinux = join(dir, 'vmlinux-6.1.0-56-amd64');
  writeFileSync(vmlinux, '\x7fELF fake vmlinux');
  const vmcore = join(dir, 'vmcore');
  writeFileSync(vmcore, 'KDUMP   \0\0\0\0 fake dump\nOSRELEASE=6.1.0-56-amd64\nPAGESIZE=4096\n');
  return { dir, crash, vmlinux, vmcore, log };
}

test('runCrash: fixed script, pass 2 on the panic addresses, transcript readable by the reader', async () => {
  const f = setup();
  try {
    const text = await runCrash({ vmlinux: f.vmlinux, vmcore: f.vmcore, crashPath: f.crash, extraCommands: ['rd -a ffffffffc04f30cc 256'] });
    const sent = readFileSync(f.log, 'utf8').trim().split('\n');
    assert.deepEqual(sent, [
      'sys', 'bt', 'bt -a', 'log', 'mod', 'mod -t', 'ps', 'sys -c', 'kmem -i', 'eval 1',
      'sym ffffffffc04f2116', 'sym ffffffff8aacd41a', 'dis -rl ffffffffc04f2116', 'dis -rl ffffffff8aacd41a',
      'rd -a ffffffffc04f30cc 256', 'eval 1', 'q']);
    assert.match(text, /^WARNING: active task ffff8db05ff48000 on cpu 0 not found in PID hash\ncrash> sys\n {6}KERNEL: /);
    const r = readCrashSession('crash:vmcore', text);
    assert.deepEqual(r.gaps, []);
    assert.equal(r.panicMessage, 'Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: 0xffffffffc04f2116');
    assert.deepEqual(r.facts.backtraces.map((b) => [b.command, b.pid, b.comm]), [['bt', 111, 'kworker_sync'], ['bt -a', 111, 'kworker_sync'], ['bt -a', 0, 'swapper/1']]);
    assert.deepEqual(r.facts.syscallTable.filter((e) => e.suspicious).map((e) => e.syscall), ['read', 'open']);
    assert.deepEqual(r.facts.symbols.map((s) => [s.address, s.symbol]), [['ffffffffc04f2116', null], ['ffffffff8aacd41a', 'kthread+218']]);
    assert.equal(r.facts.disassembly[0]!.function, 'kthread');
    assert.ok(r.facts.strings.some((s) => s.text === 'hack_read'));
    assert.equal(text.split('\n')[r.log!.firstLine - 2], 'crash> log');
    assert.equal(existsSync(join(f.dir, 'out0.txt')), false, 'outputs are written to a private temporary directory');
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('runCrash: clear one-line errors', async () => {
  const f = setup();
  try {
    await assert.rejects(runCrash({ vmlinux: f.vmlinux, vmcore: f.vmcore, crashPath: join(f.dir, 'nope') }), /^Error: crash executable not found: .*nope$/);
    await assert.rejects(runCrash({ vmlinux: join(f.dir, 'missing'), vmcore: f.vmcore, crashPath: f.crash }), /^Error: vmlinux not found: /);
    await assert.rejects(runCrash({ vmlinux: f.vmlinux, vmcore: f.vmlinux.replace('vmlinux-', 'x'), crashPath: f.crash }), /^Error: vmcore not found: /);
    const log = join(f.dir, 'console.log');
    writeFileSync(log, '[    0.000000] Linux version 6.1.0\n');
    await assert.rejects(runCrash({ vmlinux: f.vmlinux, vmcore: log, crashPath: f.crash }), /not a vmcore crash can read/);
    writeFileSync(f.vmlinux, 'MISMATCH');
    await assert.rejects(runCrash({ vmlinux: f.vmlinux, vmcore: f.vmcore, crashPath: f.crash }), /^Error: crash: .*vmlinux-6\.1\.0-56-amd64 and .*vmcore do not match!$/);
    await assert.rejects(runCrash({ vmlinux: f.vmcore, vmcore: f.vmcore, crashPath: f.crash, extraCommands: ['!sh'] }), /unsafe or empty crash command/);
    writeFileSync(f.vmlinux, 'HANG');
    const t0 = Date.now();
    await assert.rejects(runCrash({ vmlinux: f.vmlinux, vmcore: f.vmcore, crashPath: f.crash, timeoutMs: 400 }), /^Error: crash did not finish within 0 s \(vmcore\); raise --crash-timeout$/);
    assert.ok(Date.now() - t0 < 5000);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('findDebugVmlinux and dumpRelease: the vmlinux of the dump\'s release', () => {
  const f = setup();
  try {
    assert.equal(dumpRelease(f.vmcore), '6.1.0-56-amd64');
    const dbg = join(f.dir, 'dbg');
    mkdirSync(join(dbg, 'usr', 'lib', 'debug', 'boot'), { recursive: true });
    mkdirSync(join(dbg, 'usr', 'lib', 'debug', 'lib', 'modules', '4.18.0-305.3.1.el8_4.x86_64'), { recursive: true });
    writeFileSync(join(dbg, 'usr', 'lib', 'debug', 'lib', 'modules', '4.18.0-305.3.1.el8_4.x86_64', 'vmlinux'), 'x');
    writeFileSync(join(dbg, 'usr', 'lib', 'debug', 'boot', 'vmlinux-6.1.0-56-amd64'), 'x');
    assert.equal(findDebugVmlinux(dbg, [f.vmcore]), join(dbg, 'usr', 'lib', 'debug', 'boot', 'vmlinux-6.1.0-56-amd64'));
    writeFileSync(f.vmcore, 'KDUMP   OSRELEASE=4.18.0-305.3.1.el8_4.x86_64\n');
    assert.equal(findDebugVmlinux(dbg, [f.vmcore]), join(dbg, 'usr', 'lib', 'debug', 'lib', 'modules', '4.18.0-305.3.1.el8_4.x86_64', 'vmlinux'));
    writeFileSync(f.vmcore, 'KDUMP   OSRELEASE=5.14.0-1.el9\n');
    assert.equal(findDebugVmlinux(dbg, [f.vmcore]), null);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('panicAddresses: exception RIP or the return address after panic()', () => {
  const oops = readFileSync(join(repoRoot(), 'test', 'fixtures', 'crash', 'oops-null-module', 'crash-bt.txt'), 'utf8');
  assert.deepEqual(panicAddresses('crash> bt\n' + oops), ['ffffffffc043c021']);
  const sp = readFileSync(join(repoRoot(), 'test', 'fixtures', 'crash', 'stack-protector-module', 'crash-vmcore-qemu.elf.txt'), 'utf8');
  assert.deepEqual(panicAddresses(sp), ['ffffffffc04a0096']);
});

// Opt-in: needs crash, the 1 GB debug vmlinux of 6.1.0-56-amd64, and the lab's decompressed dump.
const live = process.env['KTRIAGE_LIVE_CRASH'] === '1' && process.env['KTRIAGE_VMLINUX'];
test('live crash on the lab dump (KTRIAGE_LIVE_CRASH=1 KTRIAGE_VMLINUX=... KTRIAGE_VMCORE=...)', {
  skip: live ? false : 'set KTRIAGE_LIVE_CRASH=1, KTRIAGE_VMLINUX (debug vmlinux-6.1.0-56-amd64) and KTRIAGE_VMCORE (zstd -d of oops-null-module/vmcore.zst)',
}, async () => {
  const vmcore = process.env['KTRIAGE_VMCORE'] ?? join(LAB_OUT, 'oops-null-module', 'vmcore');
  const text = await runCrash({ vmlinux: process.env['KTRIAGE_VMLINUX']!, vmcore, timeoutMs: 600_000 });
  const r = readCrashSession('crash:vmcore', text);
  const bt = r.facts.backtraces.find((b) => b.command === 'bt')!;
  assert.deepEqual([bt.pid, bt.comm, bt.cpu], [111, 'sessiond', 1]);
  assert.equal(r.panicMessage, 'Oops: 0000 [#1] PREEMPT SMP NOPTI');
  assert.ok(r.facts.disassembly.some((d) => d.function === 'ktl_null_process'));
});
