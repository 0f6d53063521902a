// Measures `resync serve` with the real socket.io-client: acknowledged messages stored per
// second, and catch-up rows per second to one fresh client.
//
//   node scripts/measure-server.mjs [--bin build/release/app/resync] [--durability full|process-crash]
//        [--messages 3000] [--connections 8] [--in-flight 8] [--rows 20000]
//
// Needs `npm ci` in tests/node. Everything runs on 127.0.0.1 and stops by itself.
import { parseArgs } from 'node:util';

import { createTutorialDatabase, sqlite, startServer } from '../tests/node/lib/server.mjs';
import { connectClient, connectedClient } from '../tests/node/lib/client.mjs';

const { values: options } = parseArgs({
  options: {
    bin: { type: 'string' },
    durability: { type: 'string', default: 'full' },
    messages: { type: 'string', default: '3000' },
    connections: { type: 'string', default: '8' },
    'in-flight': { type: 'string', default: '8' },
    rows: { type: 'string', default: '20000' },
  },
});
if (options.bin) process.env.RESYNC_BIN = options.bin;
const messages = Number(options.messages);
const connections = Number(options.connections);
const inFlight = Number(options['in-flight']);
const rows = Number(options.rows);
const flags = ['--durability', options.durability];

// 1. Acked messages: `connections` clients, each with `inFlight` sends awaiting their ack.
{
  const server = await startServer({ flags });
  // The table starts empty, so there is no catch-up; every client gets every broadcast.
  const clients = [];
  for (let c = 0; c < connections; c++) clients.push(await connectedClient(server.url, { serverOffset: 0 }));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    clients.flatMap((client) =>
      Array.from({ length: inFlight }, async () => {
        while (next < messages) {
          const i = next++;
          await client.sendWithAck(`message ${i}`, `measure-${i}`, 60000);
        }
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const [{ n }] = sqlite(server.db, 'SELECT count(*) AS n FROM messages');
  console.log(
    `acked messages stored: ${n} in ${seconds.toFixed(2)} s = ${Math.round(n / seconds)} msg/s ` +
      `(--durability ${options.durability}, ${connections} connections x ${inFlight} in flight, every message broadcast to all)`,
  );
  for (const client of clients) client.close();
  await server.cleanup();
}

// 2. Catch-up: `rows` stored rows (written with the sqlite3 CLI), one fresh client with serverOffset 0.
{
  const probe = await startServer({ flags });
  const db = probe.db;
  await probe.stop();
  createTutorialDatabase(db);
  sqlite(
    db,
    `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${rows})
     INSERT INTO messages (client_offset, content) SELECT 'pre-' || x, 'stored message number ' || x FROM n;`,
  );
  await probe.restart();
  const started = performance.now();
  const client = connectClient(probe.url, { serverOffset: 0, reconnection: false });
  await client.waitForCount(rows, 120000);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `catch-up to one client: ${rows} rows in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds)} rows/s ` +
      '(from connect to the last row received by socket.io-client)',
  );
  client.close();
  await probe.cleanup();
}
