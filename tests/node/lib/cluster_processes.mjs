// Processes and sockets of the cluster tests: free loopback ports, child processes that are
// ready once a line appears (and killed on exit whatever happens), and a layer-4 balancer
// the test steers from node to node.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { killedOnExit } from './killed_on_exit.mjs';

const OUTPUT_TAIL_BYTES = 16 * 1024;


export async function freePort() {
  const probe = net.createServer();
  await new Promise((done, fail) => probe.once('error', fail).listen(0, '127.0.0.1', done));
  const { port } = probe.address();
  await new Promise((done) => probe.close(done));
  return port;
}

// Starts a process and waits for `ready` in its stdout or stderr. Returns a handle with
// output() (the tail of both), kill(signal) and stop() (SIGTERM, SIGKILL after 3 s).
export function startProcess(name, command, args, { env = {}, ready, timeoutMs = 10000 }) {
  const proc = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  killedOnExit(proc);
  let output = '';
  const exited = new Promise((done) => {
    proc.on('exit', (code, signal) => {
      done({ code, signal });
    });
  });
  const handle = {
    name,
    proc,
    output: () => output,
    exited,
    async kill(signal = 'SIGKILL', graceMs = 3000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill(signal);
      let timer;
      const late = new Promise((done) => {
        timer = setTimeout(() => done('late'), graceMs);
      });
      if ((await Promise.race([exited, late])) === 'late') proc.kill('SIGKILL');
      clearTimeout(timer);
      return exited;
    },
    stop: () => handle.kill('SIGTERM'),
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        proc.kill('SIGKILL');
        reject(new Error(`${name}: ${error}\ncommand: ${command} ${args.join(' ')}\noutput:\n${output}`));
      } else {
        resolve(handle);
      }
    };
    const timer = setTimeout(() => settle(`not ready within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk) => {
      output = (output + chunk).slice(-OUTPUT_TAIL_BYTES);
      if (ready.test(output)) settle();
    };
    for (const stream of [proc.stdout, proc.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', onData);
    }
    proc.on('error', (error) => settle(`cannot start: ${error.message}`));
    proc.on('exit', (code, signal) => settle(`exited before it was ready (code ${code}, signal ${signal})`));
  });
}

// A layer-4 balancer: every new connection goes to the port route() last named (none: the
// connection is closed at once, as by a balancer without a healthy node); dropAll() cuts
// every open connection, both sides, as a network failure the server notices at once.
export async function startBalancer() {
  let target = null;
  const pairs = new Set();
  const server = net.createServer((downstream) => {
    if (target === null) {
      downstream.destroy();
      return;
    }
    const upstream = net.connect(target, '127.0.0.1');
    const pair = { downstream, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      downstream.destroy();
      upstream.destroy();
    };
    for (const socket of [downstream, upstream]) socket.on('error', end).on('close', end);
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  });
  await new Promise((done, fail) => server.once('error', fail).listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    route(port) {
      target = port;
    },
    dropAll() {
      for (const { downstream, upstream } of pairs) {
        downstream.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    close() {
      this.dropAll();
      return new Promise((done) => server.close(done));
    },
  };
}


// Debian's redis-server on 127.0.0.1:`port` with `dir` of its own (AOF on, no RDB snapshots),
// ready once it accepts connections.
export function startRedisServer({ port, dir, appendfsync = 'everysec' }) {
  return startProcess('redis-server', 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', appendfsync,
      '--save', ''],
    { ready: /Ready to accept connections/ });
}

// The output tails of a cluster's processes, for the message of a client that fails.
export function describeProcesses(processes) {
  return processes.filter(Boolean).map((p) => `--- ${p.name} output tail:\n${p.output()}`).join('\n');
}
