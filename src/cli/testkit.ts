// Test helpers for the CLI's tests: a Writable that collects what a command prints, and a run of the whole
// CLI (main()) as a non-TTY user would see it. Not shipped (package.json excludes testkit files).
import { Writable } from 'node:stream';
import { main } from './main.js';

export function sink(encoding: BufferEncoding = 'utf8'): { w: Writable; text(): string; buf(): Buffer } {
  const chunks: Buffer[] = [];
  const w = new Writable({ write(c, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
  return { w, text: () => Buffer.concat(chunks).toString(encoding), buf: () => Buffer.concat(chunks) };
}

/** `ktriage ARGV...` through main(), stdout and stderr decoded with `encoding`. */
export async function runCli(argv: string[], encoding: BufferEncoding = 'utf8'): Promise<{ code: number; out: string; err: string }> {
  const o = sink(encoding);
  const e = sink(encoding);
  const code = await main(argv, { stdout: o.w, stderr: e.w, isTTY: false, stdoutIsTTY: false });
  return { code, out: o.text(), err: e.text() };
}
