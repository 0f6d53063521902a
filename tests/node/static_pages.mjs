// `resync serve` serves the tutorial's chat page and its socket.io client bundle from any
// directory: the build embeds socket.io-client's dist/socket.io.min.js when tests/node has
// been installed (npm ci), so a copy of the binary outside the repository, started from a
// directory with no node_modules anywhere above it, still serves /socket.io/socket.io.js.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { cleanExit, repoRoot, resyncBinary, startServer } from './lib/server.mjs';

const installedBundle = join(repoRoot, 'tests/node/node_modules/socket.io-client/dist/socket.io.min.js');

describe('a copy of resync started outside the repository', { timeout: 60000 }, () => {
  const elsewhere = mkdtempSync(join(tmpdir(), 'resync-elsewhere-'));
  const copy = join(elsewhere, 'resync');
  let server;
  after(async () => {
    await server?.cleanup();
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('serves /socket.io/socket.io.js, byte for byte the installed socket.io-client bundle', async () => {
    copyFileSync(resyncBinary(), copy);
    server = await startServer({ binary: copy, cwd: elsewhere });
    const response = await fetch(`${server.url}/socket.io/socket.io.js`);
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(response.status, 200, `${body.toString('utf8').slice(0, 500)}\n${server.describe()}`);
    assert.match(response.headers.get('content-type'), /javascript/);
    assert.ok(body.equals(readFileSync(installedBundle)), 'the served bundle differs from the installed one');
    assert.match(server.stderrTail(), /client bundle: socket\.io-client [0-9.]+, embedded at build time/);
  });

  it('serves the chat page that loads it', async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /<script src="\/socket\.io\/socket\.io\.js"><\/script>/);
  });

  it('the server never crashed and shuts down cleanly', async () => {
    const info = await server.stop();
    assert.deepEqual(server.unexpectedExits(), [], server.describe());
    assert.ok(cleanExit(info), `exit ${JSON.stringify(info)}\n${server.describe()}`);
  });
});
