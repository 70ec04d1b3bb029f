// ELF notes of a dump: NT_PRSTATUS per CPU (struct elf_prstatus of x86_64: pr_pid at 32, pr_reg at 112,
// 27 registers in struct user_regs_struct order), the VMCOREINFO note, and QEMU's "QEMU" CPU state
// notes (QEMUCPUState in QEMU's target/i386/arch_dump.c: version, size, then general registers).

export const NT_PRSTATUS = 1;

export interface CpuState {
  /** Index among the CPU notes (the kernel writes them in CPU order). */
  cpu: number;
  pid: number;
  registers: Record<string, string>;
}

export interface Notes {
  prstatus: CpuState[];
  vmcoreinfo: Buffer | null;
  qemuCpus: CpuState[];
  other: number;
  truncated: boolean;
}

const X86_64_REGS = [
  'r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi',
  'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss', 'fs_base', 'gs_base', 'ds', 'es', 'fs', 'gs',
];
const QEMU_REGS = [
  'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rsp', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
  'rip', 'eflags',
];
const MAX_NOTES = 65536;

function hex64(b: Buffer, off: number): string {
  return b.readBigUInt64LE(off).toString(16).padStart(16, '0');
}

export function parseNotes(buf: Buffer, machine = 62): Notes {
  const notes: Notes = { prstatus: [], vmcoreinfo: null, qemuCpus: [], other: 0, truncated: false };
  let pos = 0;
  let count = 0;
  while (pos + 12 <= buf.length && count++ < MAX_NOTES) {
    const namesz = buf.readUInt32LE(pos);
    const descsz = buf.readUInt32LE(pos + 4);
    const type = buf.readUInt32LE(pos + 8);
    if (namesz === 0 && descsz === 0 && type === 0) break; // padding at the end of a note segment
    const nameOff = pos + 12;
    const descOff = nameOff + ((namesz + 3) & ~3);
    const next = descOff + ((descsz + 3) & ~3);
    if (namesz > 4096 || descOff + descsz > buf.length) {
      notes.truncated = true;
      break;
    }
    const name = buf.toString('latin1', nameOff, nameOff + namesz).replace(/\0+$/, '');
    const desc = buf.subarray(descOff, descOff + descsz);
    if (name === 'CORE' && type === NT_PRSTATUS && machine === 62 && desc.length >= 112 + 27 * 8) {
      const registers: Record<string, string> = {};
      X86_64_REGS.forEach((r, i) => (registers[r] = hex64(desc, 112 + i * 8)));
      notes.prstatus.push({ cpu: notes.prstatus.length, pid: desc.readInt32LE(32), registers });
    } else if (name === 'CORE' && type === NT_PRSTATUS && desc.length >= 36) {
      notes.prstatus.push({ cpu: notes.prstatus.length, pid: desc.readInt32LE(32), registers: {} });
    } else if (name === 'VMCOREINFO') {
      notes.vmcoreinfo = Buffer.from(desc);
    } else if (name === 'QEMU' && desc.length >= 8 + QEMU_REGS.length * 8) {
      const registers: Record<string, string> = {};
      QEMU_REGS.forEach((r, i) => (registers[r] = hex64(desc, 8 + i * 8)));
      // After the 18 registers: 10 segment descriptors of 24 bytes, then cr0..cr4.
      const crOff = 8 + QEMU_REGS.length * 8 + 10 * 24;
      if (desc.length >= crOff + 5 * 8) for (let i = 0; i < 5; i++) registers[`cr${i}`] = hex64(desc, crOff + i * 8);
      notes.qemuCpus.push({ cpu: notes.qemuCpus.length, pid: 0, registers });
    } else notes.other++;
    pos = next;
  }
  return notes;
}
