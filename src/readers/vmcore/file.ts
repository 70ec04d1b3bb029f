// Moved into reader.ts (the whole reader is one module: start-up pays per module); re-exported for importers.
export { CachedFile, BufferFile, u64, type RandomAccess } from './reader.js';
