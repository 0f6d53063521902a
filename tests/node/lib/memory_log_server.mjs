// A Socket.IO 4.8 server as the tutorial's client-delivery step writes it, with its log in
// memory instead of SQLite: a chat message is stored once per client offset, broadcast with
// its id and acknowledged; a fresh connection gets what it missed after auth.serverOffset.
// HIDE_CONTENT (optional): a message with exactly this content is stored and acknowledged but
// broadcast to nobody, so only a catch-up can show it was stored. Listens on $PORT.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const hidden = process.env.HIDE_CONTENT;
const server = createServer();
const io = new Server(server, { connectionStateRecovery: {} });
const messages = [];  // [{ id, content, clientOffset }], ids from 1
const byClientOffset = new Map();

io.on('connection', (socket) => {
  socket.on('chat message', (content, clientOffset, callback) => {
    const ack = typeof callback === 'function' ? callback : () => {};
    if (clientOffset !== undefined && byClientOffset.has(clientOffset)) return ack();  // a retry: stored already
    const id = messages.length + 1;
    messages.push({ id, content, clientOffset });
    if (clientOffset !== undefined) byClientOffset.set(clientOffset, id);
    if (content !== hidden) io.emit('chat message', content, id);
    ack();
  });
  if (!socket.recovered) {
    const after = Number(socket.handshake.auth.serverOffset) || 0;
    for (const message of messages.slice(after)) socket.emit('chat message', message.content, message.id);
  }
});

server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
