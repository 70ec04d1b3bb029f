// Public API of the native vmcore reader: readVmcore() for `ktriage analyze`, and the pieces `ktriage
// dmesg` / `ktriage info` print. Works from the dump alone (VMCOREINFO), without the debug vmlinux.
// The code lives in modules named after what they read (see docs/architecture.md); the CLI is bundled
// into one file at build time (scripts/bundle.mjs) so start-up does not pay per module.
export { summarize, readVmcore, type VmcoreSummary, type VmcoreResult, type ReadOptions } from './reader.js';
export { type Truncation, describeTruncation } from './memory.js';
export { Dump } from './dump.js';
export { formatLog, formatRecord } from './format.js';
export { readKernelLog, type LogRecord, type KernelLog } from './printk.js';
export { parseVmcoreInfo, type VmcoreInfo } from './vmcoreinfo.js';
export { lzo1xDecompress, LzoError } from './lzo.js';
