/**
 * A spool: text a streaming reporter must hold until the end of the run (details printed after a
 * fleet summary, metric families printed together) parked in a temporary file instead of memory.
 * Small runs never touch the disk: the first {@link MEMORY_LIMIT} characters stay in memory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ReportWriter } from './sink.js';

const MEMORY_LIMIT = 256 * 1024;
const READ_CHUNK = 64 * 1024;

export class Spool {
  private memory: string[] = [];
  private memoryChars = 0;
  private fd: number | undefined;
  private file: string | undefined;
  private bytes = 0;

  /** Appends text. */
  write(chunk: string): void {
    if (chunk === '') return;
    if (this.fd === undefined && this.memoryChars + chunk.length <= MEMORY_LIMIT) {
      this.memory.push(chunk);
      this.memoryChars += chunk.length;
      return;
    }
    if (this.fd === undefined) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailcheck-spool-'));
      this.file = path.join(dir, 'spool');
      this.fd = fs.openSync(this.file, 'w+', 0o600);
      for (const m of this.memory) this.append(m);
      this.memory = [];
    }
    this.append(chunk);
  }

  /** True when nothing was written. */
  get empty(): boolean {
    return this.memoryChars === 0 && this.bytes === 0;
  }

  /** Writes everything spooled, in order, to `out`, then frees the spool (it cannot be reused). */
  drainTo(out: ReportWriter): void {
    for (const m of this.memory) out.write(m);
    this.memory = [];
    this.memoryChars = 0;
    if (this.fd === undefined) return;
    const buf = Buffer.alloc(READ_CHUNK);
    const decoder = new TextDecoder('utf-8');
    let pos = 0;
    while (pos < this.bytes) {
      const n = fs.readSync(this.fd, buf, 0, READ_CHUNK, pos);
      if (n === 0) break;
      pos += n;
      out.write(decoder.decode(buf.subarray(0, n), { stream: true }));
    }
    const rest = decoder.decode();
    if (rest) out.write(rest);
    this.dispose();
  }

  /** Removes the temporary file, if any. Safe to call twice. */
  dispose(): void {
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      fs.rmSync(path.dirname(this.file!), { recursive: true, force: true });
      this.fd = undefined;
      this.file = undefined;
    }
    this.memory = [];
    this.memoryChars = 0;
    this.bytes = 0;
  }

  private append(text: string): void {
    const buf = Buffer.from(text, 'utf8');
    fs.writeSync(this.fd!, buf, 0, buf.length, this.bytes);
    this.bytes += buf.length;
  }
}
