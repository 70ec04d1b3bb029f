// Moved into dump.ts (one module for the whole dump reader: start-up pays per module); re-exported for importers.
export { PageCache, ZERO_PAGE_CACHE, zeroPage, type PageStatus, type PageRead, type PageCounts, type PhysMemory } from './dump.js';
