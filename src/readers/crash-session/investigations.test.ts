// The three reference investigations done in crash, as hand-made transcripts in the exact output
// formats of crash 7.1/7.2 (RHEL 7) and 7.3 (RHEL 8): sys (kernel.c display_sys_stats), bt (task.c
// print_task_header "PID: %-5ld  TASK: %s  CPU: %-2s  COMMAND", x86_64.c frames and exception frames),
// sym (symbols.c show_symbol, decimal offsets; "symbol not found"), dis (gdb 7.6 x/i), struct -o/-x
// (symbols.c show_member_offset, "SIZE: 0x%lx"), struct.member (parse_for_member_extended), mod
// (kernel.c, without BASE before crash 7.3), sys -c (kernel.c dump_sys_call_table), rd/rd -a (memory.c).
// The files are in test/fixtures/investigations/*.crash.txt and are marked hand-made here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCrashSession, looksLikeCrashSession } from './index.js';
import { repoRoot } from '../../../test/paths.js';

const read = (name: string) => {
  const text = readFileSync(join(repoRoot(), 'test', 'fixtures', 'investigations', name), 'utf8');
  assert.equal(looksLikeCrashSession(text), true);
  return readCrashSession(name, text);
};

test('hand-made RHEL 7 session: stack-protector in hrtimer_nanosleep', () => {
  const r = read('rhel7-stack-protector.crash.txt');
  assert.deepEqual(r.gaps, []);
  assert.equal(r.panicMessage, 'Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ffffffff810aa8da');
  assert.deepEqual(r.kernel, { release: '3.10.0-862.el7.x86_64', version: '#1 SMP Wed Mar 21 18:14:51 EDT 2018', arch: 'x86_64', hostname: 'db07.example.com' });
  const bt = r.facts.backtraces[0]!;
  assert.deepEqual([bt.pid, bt.comm, bt.cpu], [18472, 'java', 3]);
  assert.deepEqual(bt.frames.map((f) => f.function), ['machine_kexec', '__crash_kexec', 'panic', '__stack_chk_fail', 'hrtimer_nanosleep', 'do_futex', 'sys_futex', 'system_call_fastpath']);
  assert.equal(bt.frames[4]!.address, 'ffffffff810aa8da');
  assert.deepEqual([bt.exceptions[0]!.userMode, bt.exceptions[0]!.origRax], [true, '00000000000000ca']);
  assert.deepEqual(r.facts.symbols.map((s) => [s.address, s.symbol]), [['ffffffff810aa8da', 'hrtimer_nanosleep+346']]);
  const [entry, exit] = r.facts.disassembly;
  assert.equal(entry!.function, 'hrtimer_nanosleep');
  assert.deepEqual(entry!.instructions.slice(12, 14).map((i) => i.text), ['mov    %gs:0x28,%rax', 'mov    %rax,-0x28(%rbp)']);
  assert.deepEqual(exit!.instructions.map((i) => i.location).filter((l) => /\+(317|326|341)$/.test(l!)), ['hrtimer_nanosleep+317', 'hrtimer_nanosleep+326', 'hrtimer_nanosleep+341']);
  assert.equal(exit!.instructions[1]!.text, 'xor    %gs:0x28,%rbx');
  assert.equal(exit!.instructions[10]!.text, 'callq  0xffffffff8108b150 <__stack_chk_fail>');
  assert.equal(r.facts.loadedModules.length, 10);
  assert.ok(r.facts.loadedModules.every((m) => m.base === null && m.taint === undefined));
  assert.deepEqual(r.facts.unparsed, []);
});

test('hand-made RHEL 8 session: nfqueue verdict on a request sock', () => {
  const r = read('centos8-nfqueue.crash.txt');
  assert.deepEqual(r.gaps, []);
  assert.equal(r.kernel.release, '4.18.0-305.3.1.el8_4.x86_64');
  assert.equal(r.kernel.hostname, 'fw-edge-02');
  const bt = r.facts.backtraces[0]!;
  assert.deepEqual([bt.pid, bt.comm, bt.cpu, bt.frames.length], [2214, 'suricata', 5, 25]);
  assert.deepEqual(bt.frames.slice(8, 15).map((f) => f.function), [
    'queued_write_lock_slowpath', 'bpf_sk_reuseport_detach', 'reuseport_detach_sock', 'sk_destruct',
    'nf_queue_entry_release_refs', 'nf_reinject', 'nfqnl_recv_verdict']);
  assert.equal(bt.frames[14]!.module, 'nfnetlink_queue');
  const k = bt.exceptions[0]!;
  assert.deepEqual([k.rip.function, k.rip.offset, k.rip.address, k.userMode], ['__pv_queued_spin_lock_slowpath', 408, 'ffffffffb4313f88', false]);
  const S = r.facts.structs;
  assert.deepEqual(S.map((s) => [s.type, s.address, s.size]), [
    ['struct sock', 'ffff9a3c15e4b400', null], ['struct tcp_request_sock', null, 0x148], ['struct sock', null, null], ['struct sock', 'ffff9a3c15e4b400', null]]);
  assert.equal(S[0]!.members['__sk_common.skc_state'], '0xc');
  assert.deepEqual([S[2]!.offsets['sk_callback_lock'], S[2]!.members['sk_callback_lock']], [0x230, '@0x230']);
  assert.equal(S[3]!.members['sk_callback_lock.raw_lock.cnts.counter'], '1802201963');
  assert.deepEqual(r.facts.memoryWords, [{ address: 'ffff9a3c15e4b630', words: ['6b6b6b6b6b6b6b6b', '00000000000043c8'], ascii: 'kkkkkkkk.C......', source: { file: 'centos8-nfqueue.crash.txt', startLine: 92, endLine: 92 } }]);
  assert.deepEqual(r.facts.loadedModules.find((m) => m.name === 'nfnetlink_queue'), { name: 'nfnetlink_queue', base: 'ffffffffc0a1d000', size: 28672, source: { file: 'centos8-nfqueue.crash.txt', startLine: 65, endLine: 65 } });
  assert.equal(r.facts.disassembly[0]!.instructions[0]!.sourceLine?.endsWith('net/netfilter/nf_queue.c: 112'), true);
});

test('hand-made RHEL 7 session: rootkit fleet (hidden module, hooked read/open)', () => {
  const r = read('rootkit-fleet.crash.txt');
  assert.deepEqual(r.gaps, []);
  assert.equal(r.panicMessage, 'Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ffffffffa02987eb');
  const bt = r.facts.backtraces[0]!;
  assert.deepEqual(bt.frames.map((f) => f.function), ['machine_kexec', 'crash_kexec', 'panic', '__stack_chk_fail', 'system_call_fastpath']);
  assert.deepEqual([bt.exceptions[0]!.registers['RAX'], bt.exceptions[0]!.origRax, bt.exceptions[0]!.userMode], ['0000000000000000', '0000000000000000', true]);
  assert.deepEqual(r.facts.symbols.map((s) => [s.address, s.symbol]), [['ffffffffa02987eb', null]]);
  assert.ok(r.facts.errors?.some((e) => e.text === 'symbol not found: ffffffffa02987eb'));
  assert.deepEqual(r.facts.syscallTable.map((e) => [e.number, e.syscall, e.suspicious, e.table]), [
    [0, 'read', true, 'x64'], [1, 'write', false, 'x64'], [2, 'open', true, 'x64'], [3, 'close', false, 'x64'],
    [4, 'stat', false, 'x64'], [5, 'fstat', false, 'x64'], [6, 'lstat', false, 'x64']]);
  assert.deepEqual(r.facts.syscallTable.filter((e) => e.suspicious).map((e) => e.address), ['ffffffffa0298000', 'ffffffffa0298140']);
  assert.equal(r.facts.loadedModules.length, 9);
  const strings = new Map(r.facts.strings.map((s) => [s.text, s.address]));
  assert.deepEqual([strings.get('hack_open'), strings.get('hack_read'), strings.get('disable_write_protection')], ['ffffffffa029a0ec', 'ffffffffa029a0f6', 'ffffffffa029a100']);
});
