// Moved into reader.ts (the whole reader is one module: start-up pays per module); re-exported for importers.
export { NT_PRSTATUS, parseNotes, type CpuState, type Notes } from './reader.js';
