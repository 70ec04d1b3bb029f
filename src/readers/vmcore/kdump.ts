// Moved into reader.ts (the whole reader is one module: start-up pays per module); re-exported for importers.
export { KDUMP_SIGNATURE, DUMP_DH_COMPRESSED_ZLIB, DUMP_DH_COMPRESSED_LZO, DUMP_DH_COMPRESSED_SNAPPY, DUMP_DH_COMPRESSED_INCOMPLETE, DUMP_DH_EXCLUDED_VM, DUMP_DH_COMPRESSED_ZSTD, isKdump, parseKdumpHeader, popcount, KdumpMemory, type KdumpHeader } from './reader.js';
