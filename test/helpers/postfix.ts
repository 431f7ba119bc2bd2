/**
 * A private, throw-away Postfix instance for tests that need a real MTA.
 *
 * Each instance lives in its own temporary directory (config, queue, data, log, TLS files,
 * sasldb), listens on two random high ports on 127.0.0.1, discards every message and never
 * touches the system instance in /etc/postfix. SASL is Cyrus with a sasldb inside the
 * instance, loaded by smtpd itself, so there is no helper daemon to start or stop.
 *
 * Config templates are in test/fixtures/postfix/ (see its README.md). Needs root and the
 * Debian packages listed in test/fixtures/postfix/apt-packages.txt.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type PostfixProfile = 'compliant' | 'legacy' | 'open-relay';

export interface PostfixInstance {
  profile: PostfixProfile;
  host: '127.0.0.1';
  /** port-25-like listener (smtp profile) and a 587-like submission listener */
  ports: { smtp: number; submission: number };
  /** a SASL account that works on this instance (PLAIN and LOGIN; CRAM-MD5 too except on compliant) */
  user: string;
  password: string;
  /** the private instance's root (config in etc/, queue/, data/, maillog, tls/) */
  dir: string;
  /** the name in the greeting and EHLO reply */
  hostname: string;
  /** which lab certificate the instance presents */
  cert: LabCertName;
  /** the instance's log (maillog_file); still readable after stop() */
  logs(): Promise<string>;
  /** stops master and every child, then removes the directory; safe to call twice */
  stop(): Promise<void>;
}

/** Lab certificates a profile can present (from src/lab/certs). */
export type LabCertName = 'good' | 'weak';

export interface StartPostfixOptions {
  /** override the profile's certificate: compliant uses good, legacy and open-relay use weak */
  cert?: LabCertName;
}

interface ProfileSpec {
  hostname: string;
  cert: LabCertName;
  openssl: string;
  mechs: string;
  master: string;
}

/** Per-profile data; the TLS and relay policy itself is in the template files. */
const PROFILES: Record<PostfixProfile, ProfileSpec> = {
  compliant: {
    hostname: 'mail.lab.example',
    cert: 'good',
    openssl: 'openssl-modern.cnf',
    mechs: 'PLAIN LOGIN',
    master: 'master.cf.compliant',
  },
  legacy: {
    hostname: 'legacy.lab.example',
    cert: 'weak',
    openssl: 'openssl-legacy.cnf',
    mechs: 'PLAIN LOGIN CRAM-MD5',
    master: 'master.cf.legacy',
  },
  'open-relay': {
    hostname: 'open-relay.lab.example',
    cert: 'weak',
    openssl: 'openssl-legacy.cnf',
    mechs: 'PLAIN LOGIN CRAM-MD5',
    master: 'master.cf.legacy',
  },
};

/** Certificate files: [key, chain presented to clients]. */
const CERT_FILES: Record<LabCertName, [string, string]> = {
  good: ['good.key', 'good-chain.pem'],
  weak: ['weak.key', 'weak.pem'],
};

const FIXTURES = fileURLToPath(new URL('../fixtures/postfix/', import.meta.url));
const LAB_CERTS = fileURLToPath(new URL('../../src/lab/certs/', import.meta.url));
const DIR_PREFIX = 'mailcheck-postfix-';
const SASL_USER = 'labuser';
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

/** Postfix needs sbin in PATH; a caller's MAIL_CONFIG must not redirect us to another instance. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LANG: 'C', LC_ALL: 'C' };
  delete env.MAIL_CONFIG;
  delete env.MAIL_DEBUG;
  delete env.MAIL_LOGTAG;
  env.PATH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', process.env.PATH ?? ''].join(':');
  return env;
}

function run(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { env: childEnv(), timeout: opts.timeoutMs ?? 15_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr: err && code === -1 ? `${stderr}${err.message}` : stderr });
      },
    );
    child.stdin?.end(opts.input ?? '');
  });
}

let availability: { ok: boolean; reason?: string } | undefined;

/**
 * Whether this machine can run a private Postfix instance (root, Postfix >= 3.7 with Cyrus
 * SASL, saslpasswd2, the PLAIN/LOGIN/sasldb plugins, the postfix user and postdrop group).
 * MAILCHECK_SKIP_POSTFIX=1 reports it unavailable on purpose.
 */
export function postfixAvailable(): { ok: boolean; reason?: string } {
  availability ??= checkAvailable();
  return availability;
}

function checkAvailable(): { ok: boolean; reason?: string } {
  const hint = ' (install the packages in test/fixtures/postfix/apt-packages.txt)';
  if (process.env.MAILCHECK_SKIP_POSTFIX) return { ok: false, reason: 'MAILCHECK_SKIP_POSTFIX is set' };
  if (process.platform !== 'linux') return { ok: false, reason: 'private Postfix instances need Linux' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'private Postfix instances need root' };
  let version: string;
  try {
    version = execFileSync('postconf', ['-d', '-h', 'mail_version'], {
      env: childEnv(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return { ok: false, reason: `postfix is not installed${hint}` };
  }
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < 3 || (major === 3 && minor < 7)) {
    return { ok: false, reason: `Postfix ${version} is too old (3.7+ needed for tls_config_file)` };
  }
  let saslTypes = '';
  try {
    saslTypes = execFileSync('postconf', ['-a'], {
      env: childEnv(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    // reported below
  }
  if (!/^cyrus$/m.test(saslTypes)) return { ok: false, reason: 'this Postfix has no Cyrus SASL support' };
  if (!['/usr/sbin/saslpasswd2', '/usr/bin/saslpasswd2'].some((p) => existsSync(p))) {
    return { ok: false, reason: `saslpasswd2 is missing${hint}` };
  }
  const plugins = saslPluginDirs().flatMap((d) => readdirSync(d));
  for (const lib of ['libsasldb.so', 'libplain.so', 'liblogin.so']) {
    if (!plugins.some((f) => f.startsWith(lib))) {
      return { ok: false, reason: `Cyrus SASL plugin ${lib} is missing${hint}` };
    }
  }
  const passwd = safeRead('/etc/passwd');
  const group = safeRead('/etc/group');
  if (!/^postfix:/m.test(passwd)) return { ok: false, reason: 'the postfix user does not exist' };
  if (!/^postdrop:/m.test(group)) return { ok: false, reason: 'the postdrop group does not exist' };
  return { ok: true };
}

function saslPluginDirs(): string[] {
  const dirs: string[] = [];
  for (const base of ['/usr/lib', '/usr/lib64']) {
    if (existsSync(path.join(base, 'sasl2'))) dirs.push(path.join(base, 'sasl2'));
    let entries: string[] = [];
    try {
      entries = readdirSync(base);
    } catch {
      continue;
    }
    for (const e of entries) {
      const d = path.join(base, e, 'sasl2');
      if (e.includes('-linux-') && existsSync(d)) dirs.push(d);
    }
  }
  return dirs;
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Two distinct free ports, held open together so they cannot be the same. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

function render(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (m, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`postfix template: no value for ${m}`);
    return v;
  });
}

async function renderFixture(name: string, vars: Record<string, string>): Promise<string> {
  return render(await readFile(path.join(FIXTURES, name), 'utf8'), vars);
}

/** Pids of live (non-zombie) processes in process group `pgid` — master and its children. */
function groupMembers(pgid: number): number[] {
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const stat = safeRead(`/proc/${e}/stat`);
    // "pid (comm) state ppid pgrp ..." — comm may contain spaces, so split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest.length < 3 || rest[0] === 'Z' || rest[0] === 'X') continue;
    if (Number(rest[2]) === pgid) found.push(Number(e));
  }
  return found;
}

function readMasterPid(dir: string): number | undefined {
  const pid = Number.parseInt(safeRead(path.join(dir, 'queue', 'pid', 'master.pid')).trim(), 10);
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Instances of this process that are not stopped yet. */
interface Live {
  masterPid?: number;
  watchdog: ChildProcess;
}
const live = new Map<string, Live>();
let exitHookInstalled = false;

/** Backstop for a normal exit without stop(): kill the process groups, remove the directories. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [dir, entry] of live) {
      if (entry.masterPid !== undefined) killGroup(entry.masterPid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
    live.clear();
  });
}

/**
 * Backstop for a test process that dies without running any code (SIGKILL, a killed vitest
 * worker — vitest does not let 'exit' handlers of its workers run): a detached shell that
 * waits on a pipe from us. When this process is gone the pipe reaches EOF, and the shell stops
 * the instance and removes its directory. stop() kills the shell first.
 */
function spawnWatchdog(dir: string): ChildProcess {
  const script = 'read -r _; postfix -c "$1/etc" stop >/dev/null 2>&1; rm -rf "$1"';
  const child = spawn('/bin/sh', ['-c', script, 'mailcheck-postfix-watchdog', dir], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    env: childEnv(),
  });
  child.on('error', () => undefined);
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return child;
}

function killWatchdog(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child.stdin?.destroy();
}

let reaped = false;

/** Removes instances left behind by test processes that died without cleaning up. */
function reapStale(): void {
  if (reaped) return;
  reaped = true;
  let entries: string[];
  try {
    entries = readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.startsWith(DIR_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), e);
    const owner = Number.parseInt(safeRead(path.join(dir, 'owner.pid')), 10);
    if (!Number.isInteger(owner) || owner === process.pid || pidAlive(owner)) continue;
    const master = readMasterPid(dir);
    if (master !== undefined && safeRead(`/proc/${master}/comm`).trim() === 'master') {
      killGroup(master, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * TCP connection to 127.0.0.1. Uses Socket#connect with an options object rather than
 * net.connect(), which hands the socket a pre-normalised argument array that the test network
 * guard cannot read (and so refuses).
 */
export function connectLoopback(port: number): net.Socket {
  return new net.Socket().connect({ host: '127.0.0.1', port });
}

/** Connects, expects a "220 " greeting line, says QUIT. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connectLoopback(port);
    let buf = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.removeAllListeners('data');
      if (ok) sock.end('QUIT\r\n');
      else sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 2_000);
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const eol = buf.indexOf('\r\n');
      if (eol >= 0) done(buf.startsWith('220 '));
    });
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
  });
}

/** Polls until every port greets; gives up at the deadline or as soon as the log shows a fatal error. */
async function waitForGreeting(
  ports: number[],
  deadline: number,
  logFile: string,
): Promise<string | undefined> {
  const pending = new Set(ports);
  for (;;) {
    for (const p of [...pending]) if (await greets(p)) pending.delete(p);
    if (pending.size === 0) return undefined;
    const fatal = /^.*\bfatal: .*$/m.exec(safeRead(logFile));
    if (fatal) return `a Postfix daemon failed: ${fatal[0]}`;
    if (Date.now() > deadline) {
      return `no 220 greeting on 127.0.0.1:${[...pending].join(', :')} within ${START_TIMEOUT_MS} ms`;
    }
    await sleep(100);
  }
}

async function writeInstance(
  dir: string,
  profile: PostfixProfile,
  spec: ProfileSpec,
  cert: LabCertName,
  ports: { smtp: number; submission: number },
  password: string,
): Promise<void> {
  const etc = path.join(dir, 'etc');
  const tls = path.join(dir, 'tls');
  await mkdir(path.join(etc, 'sasl'), { recursive: true });
  await mkdir(tls, { recursive: true });
  // postfix(1) chdirs into queue_directory before its start-up script creates the rest.
  await mkdir(path.join(dir, 'queue'), { mode: 0o755 });

  const [keyFile, certFile] = CERT_FILES[cert];
  await copyFile(path.join(LAB_CERTS, keyFile), path.join(tls, keyFile));
  await chmod(path.join(tls, keyFile), 0o600);
  await copyFile(path.join(LAB_CERTS, certFile), path.join(tls, certFile));

  const vars: Record<string, string> = {
    DIR: dir,
    PROFILE: profile,
    HOSTNAME: spec.hostname,
    TLS_KEY: path.join(tls, keyFile),
    TLS_CERT: path.join(tls, certFile),
    SMTP_PORT: String(ports.smtp),
    SUBMISSION_PORT: String(ports.submission),
    SASL_MECHS: spec.mechs,
  };
  const main =
    (await renderFixture('main.cf.common', vars)) + '\n' + (await renderFixture(`main.cf.${profile}`, vars));
  const master =
    (await renderFixture(spec.master, vars)) + '\n' + (await renderFixture('master.cf.common', vars));
  await writeFile(path.join(etc, 'main.cf'), main);
  await writeFile(path.join(etc, 'master.cf'), master);
  await writeFile(path.join(etc, 'openssl.cnf'), await renderFixture(spec.openssl, vars));
  await writeFile(path.join(etc, 'sasl', 'smtpd.conf'), await renderFixture('sasl-smtpd.conf', vars));

  const sasldb = path.join(etc, 'sasl', 'sasldb2');
  const r = await run('saslpasswd2', ['-f', sasldb, '-u', spec.hostname, '-c', '-p', SASL_USER], {
    input: password,
  });
  if (r.code !== 0) throw new Error(`saslpasswd2 failed (${r.code}): ${r.stderr}`);
  // smtpd reads the sasldb after dropping privileges to the postfix user.
  await chmod(sasldb, 0o644);

  // Postfix re-reads a table file that changed within the last second, sleeping 300 ms each
  // time (a guard against half-written files); with fresh files every postconf call in the
  // start-up script paid that, and starting took 2-3 s instead of ~0.4 s.
  const past = new Date(Date.now() - 60_000);
  for (const f of ['main.cf', 'master.cf', 'openssl.cnf', path.join('sasl', 'smtpd.conf')]) {
    await utimes(path.join(etc, f), past, past);
  }
}

/**
 * Starts a private Postfix instance in the given profile and resolves once both listeners
 * answer with a 220 greeting. Throws (with the instance log) if that does not happen within
 * about 20 seconds. Always call stop() (e.g. in afterAll); the process exit hook is a backstop.
 */
export async function startPostfix(
  profile: PostfixProfile,
  options: StartPostfixOptions = {},
): Promise<PostfixInstance> {
  const avail = postfixAvailable();
  if (!avail.ok) throw new Error(`cannot start Postfix: ${avail.reason}`);
  reapStale();
  installExitHook();

  const spec = PROFILES[profile];
  const cert = options.cert ?? spec.cert;
  // base64url can begin with '-' (1 run in 64): swaks then takes the password for an option
  // ("Unknown option: …", even as --auth-password=…) and the submission tests fail. A letter first;
  // '-' and '_' may still appear inside, which swaks and the SASL encodings must carry.
  const password = `p${randomBytes(9).toString('base64url')}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError = '';

  // A port found free can be taken by someone else before master binds it: retry with new ports.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const dir = await mkdtemp(path.join(os.tmpdir(), `${DIR_PREFIX}${profile}-`));
    const etc = path.join(dir, 'etc');
    const entry: Live = { watchdog: spawnWatchdog(dir) };
    live.set(dir, entry);
    let masterPid: number | undefined;
    try {
      // The postfix user must be able to reach the sasldb below this directory.
      await chmod(dir, 0o755);
      await writeFile(path.join(dir, 'owner.pid'), String(process.pid));
      const [smtp, submission] = await freePorts(2);
      const ports = { smtp, submission };
      await writeInstance(dir, profile, spec, cert, ports, password);
      const started = await run('postfix', ['-c', etc, 'start'], {
        timeoutMs: Math.max(1_000, deadline - Date.now()),
      });
      masterPid = readMasterPid(dir);
      entry.masterPid = masterPid;
      if (started.code !== 0) {
        throw new Error(`postfix start exited ${started.code}: ${started.stderr.trim()}`);
      }
      if (masterPid === undefined) throw new Error('postfix start wrote no master.pid');
      const notReady = await waitForGreeting([smtp, submission], deadline, path.join(dir, 'maillog'));
      if (notReady !== undefined) throw new Error(notReady);
      return makeInstance(profile, spec, cert, dir, ports, password, masterPid);
    } catch (err) {
      const log = safeRead(path.join(dir, 'maillog'));
      lastError = `${(err as Error).message}\n--- ${profile} instance log ---\n${log}`;
      await teardown(dir, masterPid);
      const portClash = /address already in use/i.test(log);
      if (!portClash || Date.now() > deadline) break;
    }
  }
  throw new Error(`startPostfix(${profile}) failed: ${lastError}`);
}

/** Stops the instance, waits for its process group to die, removes the directory; returns the final log. */
async function teardown(dir: string, masterPid: number | undefined): Promise<string> {
  const entry = live.get(dir);
  if (entry) killWatchdog(entry.watchdog);
  if (existsSync(path.join(dir, 'etc', 'main.cf')) && existsSync(path.join(dir, 'queue'))) {
    await run('postfix', ['-c', path.join(dir, 'etc'), 'stop'], { timeoutMs: STOP_TIMEOUT_MS });
  }
  if (masterPid !== undefined) {
    const until = Date.now() + STOP_TIMEOUT_MS;
    while (groupMembers(masterPid).length > 0 && Date.now() < until) await sleep(50);
    if (groupMembers(masterPid).length > 0) {
      killGroup(masterPid, 'SIGKILL');
      const hard = Date.now() + 2_000;
      while (groupMembers(masterPid).length > 0 && Date.now() < hard) await sleep(20);
    }
  }
  live.delete(dir);
  const log = safeRead(path.join(dir, 'maillog'));
  await rm(dir, { recursive: true, force: true });
  return log;
}

function makeInstance(
  profile: PostfixProfile,
  spec: ProfileSpec,
  cert: LabCertName,
  dir: string,
  ports: { smtp: number; submission: number },
  password: string,
  masterPid: number,
): PostfixInstance {
  let stopping: Promise<void> | undefined;
  let finalLog: string | undefined;
  return {
    profile,
    host: '127.0.0.1',
    ports,
    user: SASL_USER,
    password,
    dir,
    hostname: spec.hostname,
    cert,
    async logs() {
      if (finalLog !== undefined) return finalLog;
      try {
        return await readFile(path.join(dir, 'maillog'), 'utf8');
      } catch {
        return '';
      }
    },
    stop() {
      stopping ??= (async () => {
        finalLog = await teardown(dir, masterPid);
        const left = groupMembers(masterPid);
        if (left.length > 0)
          throw new Error(`Postfix (${profile}) left processes behind: ${left.join(', ')}`);
      })();
      return stopping;
    },
  };
}

/** For tests of the harness itself: live processes of an instance whose master had this pid. */
export function instanceProcesses(masterPid: number): number[] {
  return groupMembers(masterPid);
}

/** For tests of the harness itself: the master pid recorded in an instance directory. */
export function instanceMasterPid(dir: string): number | undefined {
  return readMasterPid(dir);
}
