// One node of a Socket.IO cluster: the tutorial's chat server at its "client delivery" step
// (express + socket.io 4.8 + sqlite/sqlite3, as client_delivery.js) behind the Redis Streams
// adapter (@socket.io/redis-streams-adapter with the `redis` client, as
// https://socket.io/docs/v4/redis-streams-adapter/ shows it), so Resync's cluster scenarios
// have a real peer: every node is started by the harness (or by hand, README) with
//   NODE_INDEX      0..N-1 (only used in the log lines)
//   PORT            the node listens on 127.0.0.1:PORT
//   REDIS_URL       redis://127.0.0.1:P, the cluster's Redis (possibly behind a fault proxy)
//   RESYNC_RUN_DIR  a directory shared by all nodes: the one database, $RESYNC_RUN_DIR/chat.db
// The handlers are the tutorial's: `chat message` (msg, clientOffset, callback) is INSERTed
// (client_offset TEXT UNIQUE), broadcast with its row id and acknowledged after the INSERT; a
// repeated clientOffset hits the UNIQUE constraint and is acknowledged again. On connect, a
// socket that connection state recovery did not restore gets the rows after
// auth.serverOffset from the database. With the adapter, io.emit goes through the Redis
// stream to every node (and, connection state recovery being on, so does every
// socket.emit of the catch-up: socket.io sends it as a broadcast to the socket's own room),
// and the sessions of disconnected sockets are kept in Redis, so a client may recover on
// another node.
// Nothing is added for Redis outages: the adapter resumes its stream after a reconnection and
// node-redis reconnects and queues commands while disconnected, as their docs say. What
// happens meanwhile (broadcasts held until XADD succeeds, sessions not stored) is what the
// harness's cluster scenarios are meant to observe.
// Differences from the tutorial, each needed to run under a harness (as client_delivery.js):
//   - PORT, REDIS_URL, the database file (DB, default $RESYNC_RUN_DIR/chat.db) and
//     127.0.0.1 instead of a fixed port, localhost:6379, ./chat.db and every interface;
//   - a busy timeout on the database (below), as every node writes the same file;
//   - the ack callback is called only when the client sent one (the harness's plain clients
//     emit without it; calling undefined would throw in the async handler and kill Node);
//   - log lines on stderr: listening, each connection and whether it was recovered, Redis
//     client errors (node-redis's docs: a client without an 'error' listener throws the
//     error, and the process exits, when Redis goes away).
// Stopped with SIGTERM it dies by that signal, as the tutorial's server does.
import express from 'express';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Server } from 'socket.io';
import { createClient } from 'redis';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import sqlite3 from 'sqlite3';
import { open } from 'sqlite';

const node = process.env.NODE_INDEX ?? '0';
const port = Number(process.env.PORT ?? 3000);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const filename = process.env.DB ?? join(process.env.RESYNC_RUN_DIR ?? '.', 'chat.db');
const log = (line) => console.error(`node ${node}: ${line}`);

// open the database file
const db = await open({
  filename,
  driver: sqlite3.Database
});
// Every node opens this one file: while one node writes (or creates the table), another
// node's statement would fail at once with SQLITE_BUSY ("database is locked"), which the
// handler below treats as "let the client retry" and the catch-up as "something went
// wrong". SQLite's busy timeout makes it wait for the lock instead (up to 5 s).
await db.configure('busyTimeout', 5000);

// create our 'messages' table
await db.exec(`
  CREATE TABLE IF NOT EXISTS messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      client_offset TEXT UNIQUE,
      content TEXT
  );
`);

const redisClient = createClient({ url: redisUrl });
redisClient.on('error', (err) => log(`redis client error: ${err.message}`));

await redisClient.connect();

const app = express();
const server = createServer(app);
const io = new Server(server, {
  connectionStateRecovery: {},
  adapter: createAdapter(redisClient)
});

const __dirname = dirname(fileURLToPath(import.meta.url));

app.get('/', (req, res) => {
  res.sendFile(join(__dirname, 'index.html'));
});

io.on('connection', async (socket) => {
  log(`connection ${socket.id} recovered=${socket.recovered} serverOffset=${socket.handshake.auth.serverOffset}`);
  socket.on('chat message', async (msg, clientOffset, callback) => {
    let result;
    try {
      result = await db.run('INSERT INTO messages (content, client_offset) VALUES (?, ?)', msg, clientOffset);
    } catch (e) {
      if (e.errno === 19 /* SQLITE_CONSTRAINT */ ) {
        // the message was already inserted, so we notify the client
        if (typeof callback === 'function') callback();
      } else {
        // nothing to do, just let the client retry
      }
      return;
    }
    io.emit('chat message', msg, result.lastID);
    // acknowledge the event
    if (typeof callback === 'function') callback();
  });

  if (!socket.recovered) {
    // if the connection state recovery was not successful
    try {
      await db.each('SELECT id, content FROM messages WHERE id > ?',
        [socket.handshake.auth.serverOffset || 0],
        (_err, row) => {
          socket.emit('chat message', row.content, row.id);
        }
      )
    } catch (e) {
      // something went wrong
    }
  }
});

server.listen(port, '127.0.0.1', () => {
  log(`listening on http://127.0.0.1:${port} (redis ${redisUrl}, database ${filename})`);
});
