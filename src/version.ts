/** The tool version, read once from package.json (shipped alongside dist/). */
import { readFileSync } from 'node:fs';

function findVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'mailcheck' && pkg.version) return pkg.version;
    } catch {
      // not at this depth: src/ when run from source, dist/src/ when built
    }
  }
  return '0.0.0';
}

export const VERSION = findVersion();
