// Moved into dump.ts (one module for the whole dump reader: start-up pays per module); re-exported for importers.
export { PT_LOAD, PT_NOTE, isElf64, parseElfCore, ElfMemory, type Segment, type ElfCore } from './dump.js';
