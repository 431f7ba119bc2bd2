/**
 * A certificate for every fleet host at once: `*.<domain>` issued by the lab CA to one of the lab's
 * keys (P-256 or RSA-2048), made with the openssl command in a temporary directory. With it the scanner
 * validates each host's chain and name (given --ca-file), so it logs in and runs the
 * authenticated relay battery as it would against a well-run campus host. The lab's own
 * certificate names mail.lab.example only: with it every login would be skipped and the bench
 * would time a shorter dialogue than a real one.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labCertPath } from '../src/lab/lab.js';

export interface FleetCertificate {
  key: Buffer;
  /** Leaf then the lab CA, as a correct server sends its chain. */
  cert: Buffer;
  caFile: string;
}

/**
 * Issues the wildcard certificate; throws with a clear message if openssl is missing. `ec` (the
 * default in the bench) keeps the fleet's share of the CPU small: an ECDSA P-256 signature costs
 * the server a fraction of an RSA-2048 one, and the fleet shares the machine with the scanner.
 */
export function makeFleetCertificate(domain: string, key: 'ec' | 'rsa'): FleetCertificate {
  const keyFile = labCertPath(key === 'ec' ? 'ec.key' : 'good.key');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailcheck-fleet-cert-'));
  try {
    const csr = path.join(dir, 'leaf.csr');
    const leaf = path.join(dir, 'leaf.pem');
    const ext = path.join(dir, 'leaf.ext');
    fs.writeFileSync(
      ext,
      [
        `subjectAltName=DNS:*.${domain}`,
        'basicConstraints=critical,CA:FALSE',
        `keyUsage=critical,${key === 'ec' ? 'digitalSignature' : 'digitalSignature,keyEncipherment'}`,
        'extendedKeyUsage=serverAuth',
        '',
      ].join('\n'),
    );
    const run = (args: string[]) => {
      try {
        execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (err) {
        const why =
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'the openssl command is not installed'
            : String(err);
        throw new Error(`bench: cannot issue the fleet certificate: ${why}`, { cause: err });
      }
    };
    run(['req', '-new', '-key', keyFile, '-subj', `/CN=*.${domain}`, '-out', csr]);
    run([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      labCertPath('ca.pem'),
      '-CAkey',
      labCertPath('ca.key'),
      '-set_serial',
      String(Date.now()),
      '-days',
      '365',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      leaf,
    ]);
    const ca = fs.readFileSync(labCertPath('ca.pem'));
    return {
      key: fs.readFileSync(keyFile),
      cert: Buffer.concat([fs.readFileSync(leaf), ca]),
      caFile: labCertPath('ca.pem'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
