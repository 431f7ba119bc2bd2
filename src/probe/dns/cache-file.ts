/**
 * --dns-cache FILE: answers recorded per (name, type) as JSON, replayed on the next run so a
 * scan can be reproduced offline (and a bug report can carry the DNS it saw).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export class DnsCacheFileError extends Error {
  override name = 'DnsCacheFileError';
}

export class DnsCacheFile {
  private readonly entries = new Map<string, unknown>();
  private dirty = false;

  constructor(readonly path: string) {
    if (!existsSync(path)) return;
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new DnsCacheFileError(
        `--dns-cache ${path}: not a mailcheck DNS cache (${(err as Error).message})`,
      );
    }
    const answers = (data as { answers?: Record<string, unknown> }).answers;
    if (!answers || typeof answers !== 'object')
      throw new DnsCacheFileError(`--dns-cache ${path}: no "answers" object`);
    for (const [k, v] of Object.entries(answers)) this.entries.set(k, v);
  }

  get(key: string): unknown {
    return this.entries.get(key);
  }

  set(key: string, value: unknown): void {
    this.entries.set(key, value);
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    const answers = Object.fromEntries([...this.entries].sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(this.path, `${JSON.stringify({ format: 'mailcheck-dns-cache-1', answers }, null, 1)}\n`);
    this.dirty = false;
  }
}
