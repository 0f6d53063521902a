// The Socket.IO tutorial's server at its "server delivery" step (express + socket.io 4.8 +
// sqlite/sqlite3): every chat message is stored and broadcast with its id, a connection that
// was not recovered gets the rows after auth.serverOffset, and nothing is ever acknowledged
// (the step's page emits without an ack). Resync's probe finds that and reports every
// scenario with an acked client "not applicable" (docs/TESTING-YOUR-SERVER.md).
// Differences from the tutorial, needed to run under a harness: PORT, the database file (DB,
// default $RESYNC_RUN_DIR/chat.db) and 127.0.0.1 instead of a fixed port, ./chat.db and every
// interface. Stopped with SIGTERM it dies by that signal, as the tutorial's server does.
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

// create our 'messages' table (you can ignore the 'client_offset' column for now)
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
  socket.on('chat message', async (msg) => {
    let result;
    try {
      // store the message in the database
      result = await db.run('INSERT INTO messages (content) VALUES (?)', msg);
    } catch (e) {
      // TODO handle the failure
      return;
    }
    // include the offset with the message
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
