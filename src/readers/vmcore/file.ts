// Moved into dump.ts (one module for the whole dump reader: start-up pays per module); re-exported for importers.
export { CachedFile, BufferFile, u64, type RandomAccess } from './dump.js';
