// Starts and stops `resync serve` for the integration tests.
//
// startServer() runs `resync serve --host 127.0.0.1 --port 0 --db <fresh temp dir>/chat.db
// [flags]`, waits for `resync serve: listening on http://HOST:PORT` on stdout, and returns a
// handle: url, port, db, stop(), kill(signal), restart(), cleanup(). stderr is kept (the
// tail) for failure messages. Every process started here is killed when the test process
// exits, whatever happens, so no server outlives its test file.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killedOnExit } from './killed_on_exit.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');

export function resyncBinary() {
  return process.env.RESYNC_BIN || join(repoRoot, 'build/release/app/resync');
}


const LISTENING = /resync serve: listening on (http:\/\/([^\s/:]+|\[[^\]]+\]):(\d+))/;
const STDERR_TAIL_BYTES = 16 * 1024;

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// Runs SQL with the sqlite3 command-line shell; returns the rows as objects.
export function sqlite(dbPath, sql) {
  let out;
  try {
    out = execFileSync('sqlite3', ['-json', '-cmd', '.timeout 5000', dbPath, sql], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch (error) {
    if (error.code === 'ENOENT') {
      throw new Error('sqlite3 not found: install the Debian package sqlite3 (scripts/lib/install-deps.sh does)');
    }
    throw error;
  }
  return out.trim() === '' ? [] : JSON.parse(out);
}

// Creates the tutorial's table in a new database file, as the tutorial's Node server does.
export function createTutorialDatabase(dbPath) {
  sqlite(
    dbPath,
    `CREATE TABLE IF NOT EXISTS messages (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       client_offset TEXT UNIQUE,
       content TEXT
     );`,
  );
}

// binary: another executable to start (default resyncBinary()); cwd: its working directory
// (default: the test's).
export async function startServer({ flags = [], db, startTimeoutMs = 20000, binary = resyncBinary(), cwd } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'resync-node-test-'));
  const dbPath = db ?? join(dir, 'chat.db');

  let child = null; // the current process
  let port = 0;
  let url = null;
  let stderrTail = '';
  let runs = 0;
  const unexpectedExits = []; // exits of a listening server nobody asked for (crashes, sanitizers)

  function args(listenPort) {
    return ['serve', '--host', '127.0.0.1', '--port', String(listenPort), '--db', dbPath, ...flags];
  }

  function launch(listenPort) {
    runs += 1;
    const run = runs;
    const commandLine = [binary, ...args(listenPort)].join(' ');
    const proc = spawn(binary, args(listenPort), { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    killedOnExit(proc);
    child = proc;
    proc.expectingExit = false;
    proc.listening = false;
    proc.exitInfo = null;
    proc.exited = new Promise((done) => {
      proc.on('exit', (code, signal) => {
        proc.exitInfo = { code, signal };
        if (proc.listening && !proc.expectingExit) {
          unexpectedExits.push({ run, code, signal });
        }
        done(proc.exitInfo);
      });
    });
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });
    proc.stdout.setEncoding('utf8');
    return new Promise((resolveListening, rejectListening) => {
      let stdout = '';
      let settled = false;
      const fail = (why) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        rejectListening(new Error(`${why}\ncommand: ${commandLine}\nstdout: ${stdout}\nstderr tail:\n${stderrTail}`));
      };
      const timer = setTimeout(() => {
        fail(`resync serve printed no "listening on" line within ${startTimeoutMs} ms`);
        proc.kill('SIGKILL');
      }, startTimeoutMs);
      proc.on('error', (error) => fail(`cannot start ${binary}: ${error.message}`));
      proc.on('exit', (code, signal) => fail(`resync serve exited before listening (code ${code}, signal ${signal})`));
      proc.stdout.on('data', (chunk) => {
        if (settled) return; // keep draining the pipe, nothing else
        stdout += chunk;
        const match = LISTENING.exec(stdout);
        if (match) {
          settled = true;
          clearTimeout(timer);
          proc.listening = true;
          url = match[1];
          port = Number(match[3]);
          resolveListening();
        }
      });
    });
  }

  // Sends `signal` and waits for the exit; SIGKILL after graceMs. Returns {code, signal}.
  async function terminate(signal, graceMs) {
    const proc = child;
    if (!proc || proc.exitInfo) return proc?.exitInfo ?? null;
    proc.expectingExit = true;
    proc.kill(signal);
    let timer;
    const timeout = new Promise((done) => {
      timer = setTimeout(() => done('timeout'), graceMs);
    });
    const result = await Promise.race([proc.exited, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      proc.kill('SIGKILL');
      const info = await proc.exited;
      return { ...info, hung: true };
    }
    return result;
  }

  await launch(0);

  const server = {
    get url() {
      return url;
    },
    get port() {
      return port;
    },
    get pid() {
      return child?.pid;
    },
    db: dbPath,
    dir,
    get running() {
      return Boolean(child && !child.exitInfo);
    },
    // Problems to show in assertion messages.
    describe() {
      return `server ${url} (db ${dbPath}, flags ${JSON.stringify(flags)}), unexpected exits: ${JSON.stringify(
        unexpectedExits,
      )}\nstderr tail:\n${stderrTail}`;
    },
    stderrTail: () => stderrTail,
    unexpectedExits: () => [...unexpectedExits],
    // SIGTERM, then SIGKILL if it has not exited after graceMs. Returns {code, signal, hung?}.
    stop: (graceMs = 5000) => terminate('SIGTERM', graceMs),
    // Sends a signal (SIGKILL by default) and waits for the process to end.
    kill: (signal = 'SIGKILL') => terminate(signal, signal === 'SIGKILL' ? 10000 : 5000),
    // Starts again on the same port and database (stopping the current process first).
    async restart() {
      if (server.running) await terminate('SIGTERM', 5000);
      // The port was free a moment ago; retry briefly in case the kernel still holds it.
      for (let attempt = 0; ; attempt++) {
        try {
          await launch(port);
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          await sleep(100);
        }
      }
    },
    // Stops the server (if running) and deletes the temporary directory.
    async cleanup() {
      const info = await terminate('SIGTERM', 5000);
      if (!process.env.RESYNC_KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
      return info;
    },
  };
  return server;
}

// A clean shutdown: `resync serve` handles SIGTERM (commits, closes every connection) and
// exits with code 0. A death by any signal, SIGTERM included, means the handler did not run,
// so it is not clean; neither is a hang (SIGKILL after the grace time). `null` (nothing was
// running any more) is not clean either: the caller expected a server to stop.
export function cleanExit(info) {
  if (!info) return false;
  if (info.hung) return false;
  return info.code === 0 && info.signal === null;
}
