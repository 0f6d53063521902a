// The Socket.IO tutorial's server at its "client delivery" step (express + socket.io 4.8 +
// sqlite/sqlite3), as a new user writes it, so `resync run scenarios --target-cmd` can be
// tried on real tutorial code (docs/TESTING-YOUR-SERVER.md). An acknowledged emit is stored
// once per client_offset and acknowledged after its INSERT; a repeated client_offset hits the
// UNIQUE constraint and is acknowledged again; any other error is not acknowledged, so the
// client retries. The catch-up on connect is the tutorial's: it races with live broadcasts.
// Differences from the tutorial, each needed to run under a harness:
//   - PORT, the database file (DB, default $RESYNC_RUN_DIR/chat.db) and 127.0.0.1 instead of
//     a fixed port, ./chat.db and every interface;
//   - the ack callback is called only when the client sent one: the harness's plain clients
//     (the tutorial's "server delivery" page) emit without it, and calling undefined would
//     throw inside the async handler, an unhandled rejection that kills Node.
// Stopped with SIGTERM it dies by that signal, as the tutorial's server does.
import express from 'express';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Server } from 'socket.io';
import sqlite3 from 'sqlite3';
import { open } from 'sqlite';

const port = Number(process.env.PORT ?? 3000);
const filename = process.env.DB ?? join(process.env.RESYNC_RUN_DIR ?? '.', 'chat.db');

// open the database file
const db = await open({
  filename,
  driver: sqlite3.Database
});

// create our 'messages' table
await db.exec(`
  CREATE TABLE IF NOT EXISTS messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      client_offset TEXT UNIQUE,
      content TEXT
  );
`);

const app = express();
const server = createServer(app);
const io = new Server(server, {
  connectionStateRecovery: {}
});

const __dirname = dirname(fileURLToPath(import.meta.url));

app.get('/', (req, res) => {
  res.sendFile(join(__dirname, 'index.html'));
});

io.on('connection', async (socket) => {
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
  console.log(`server running at http://127.0.0.1:${port} (database ${filename})`);
});
