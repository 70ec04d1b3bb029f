// Moved into reader.ts (the whole reader is one module: start-up pays per module); re-exported for importers.
export { readKernelLog, formatRecord, formatLog, type LogRecord, type PrintkGeneration, type KernelLog, type FormatOptions } from './reader.js';
