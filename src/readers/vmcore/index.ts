// Public API of the native vmcore reader: readVmcore() for `ktriage analyze`, and the pieces `ktriage
// dmesg` / `ktriage info` print. Works from the dump alone (VMCOREINFO), without the debug vmlinux.
// The code is in reader.ts (one module, for start-up time).
export { summarize, readVmcore, Dump, formatLog, formatRecord, readKernelLog, parseVmcoreInfo, lzo1xDecompress, LzoError, type VmcoreSummary, type VmcoreResult, type ReadOptions, type LogRecord, type KernelLog, type VmcoreInfo, type Truncation, describeTruncation } from './reader.js';
