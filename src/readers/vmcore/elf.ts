// Moved into reader.ts (the whole reader is one module: start-up pays per module); re-exported for importers.
export { PT_LOAD, PT_NOTE, isElf64, parseElfCore, ElfMemory, type Segment, type ElfCore } from './reader.js';
