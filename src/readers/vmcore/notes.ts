// Moved into dump.ts (one module for the whole dump reader: start-up pays per module); re-exported for importers.
export { NT_PRSTATUS, parseNotes, type CpuState, type Notes } from './dump.js';
