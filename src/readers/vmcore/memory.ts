// Moved into reader.ts (the whole reader is one module: start-up pays per module); re-exported for importers.
export { PageCache, ZERO_PAGE_CACHE, zeroPage, type PageStatus, type PageRead, type PageCounts, type PhysMemory } from './reader.js';
