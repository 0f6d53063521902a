// The Socket.IO tutorial's server with a classic bug planted on purpose, for testing Resync:
// it is tests/node/servers/client_delivery.js (the "client delivery" step) except that it
// acknowledges an emit before its INSERT has finished and ignores the insert's errors. A
// crash or a storage failure between the ack and the commit leaves an acknowledged message
// that was never stored (acknowledged_not_stored); the default suite's process-fault and
// storage-fault scenarios must catch it (docs/TESTING-YOUR-SERVER.md).
// `diff client_delivery.js ack_before_insert.js` shows only the handler's lines marked BUG.
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
    // BUG: acknowledge first, "the insert will work"; the client stops retrying here
    if (typeof callback === 'function') callback();
    let result;
    try {
      result = await db.run('INSERT INTO messages (content, client_offset) VALUES (?, ?)', msg, clientOffset);
    } catch (e) {
      // BUG: every error is ignored, SQLITE_BUSY and a full disk too: the acked message is gone
      return;
    }
    io.emit('chat message', msg, result.lastID);
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
