// Reconnect after the server side drops the connection: the server is stopped (SIGTERM) and
// started again on the same port and database; the client reconnects by itself with the
// serverOffset its tutorial handler kept, and receives what it missed, nothing twice.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { cleanExit, startServer } from './lib/server.mjs';
import { closeAll, connectedClient } from './lib/client.mjs';

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

for (const signal of ['SIGTERM', 'SIGKILL']) {
  describe(`reconnect after the server went away (${signal}) and came back`, { timeout: 60000 }, () => {
    let server;
    const clients = [];
    after(async () => {
      closeAll(clients);
      await server?.cleanup();
    });

    it('the client receives what it missed, in order, nothing twice', async () => {
      server = await startServer();
      const describeServer = () => server.describe();
      // The reader retries slowly (1.5 s), so the writer can store messages while it is away.
      const reader = await connectedClient(server.url, {
        name: 'reader',
        reconnectionDelay: 1500,
        reconnectionDelayMax: 1500,
        describeServer,
      });
      const writer = await connectedClient(server.url, { name: 'writer', reconnection: false, describeServer });
      clients.push(reader, writer);
      for (let i = 1; i <= 5; i++) await writer.sendWithAck(`before ${i}`, `w-${i}`);
      await reader.waitForId(5);
      assert.equal(reader.socket.auth.serverOffset, 5);

      await server.kill(signal);
      await reader.waitFor((c) => c.disconnectReasons.length >= 1, 'the reader to notice the drop');
      assert.deepEqual(reader.disconnectReasons, ['transport close'], 'a dropped transport, not a server-side disconnect');
      await server.restart();

      // While the reader waits for its retry, a new writer stores five more.
      const writer2 = await connectedClient(server.url, { name: 'writer2', serverOffset: 5, reconnection: false, describeServer });
      clients.push(writer2);
      for (let i = 6; i <= 10; i++) await writer2.sendWithAck(`while away ${i}`, `w-${i}`);
      assert.equal(reader.connects, 1, 'the reader had not reconnected yet: the catch-up is what is tested');

      await reader.waitForConnect(2, 10000);
      await reader.waitForId(10);
      writer2.send('live 11');
      await reader.waitForId(11);
      assert.deepEqual(reader.ids(), range(1, 11));
      assert.deepEqual(
        reader.received.map((m) => m.msg),
        [...range(1, 5).map((i) => `before ${i}`), ...range(6, 10).map((i) => `while away ${i}`), 'live 11'],
      );
      // What came after the second connect is exactly the catch-up from serverOffset 5, then live.
      assert.deepEqual(reader.received.slice(reader.connectMarks[1]).map((m) => m.id), range(6, 11));
      assert.equal(reader.socket.auth.serverOffset, 11);
    });

    it('the restarted server never crashed and shuts down cleanly', async () => {
      closeAll(clients);
      const info = await server.stop();
      assert.deepEqual(server.unexpectedExits(), [], server.describe());
      assert.ok(cleanExit(info), `exit ${JSON.stringify(info)}\n${server.describe()}`);
    });
  });
}
