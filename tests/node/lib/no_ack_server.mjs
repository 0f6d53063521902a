// A Socket.IO 4.8 server as the tutorial's server-delivery step writes it, in memory: every
// chat message is stored and broadcast with its id, a fresh connection gets what it missed
// after auth.serverOffset, and no emit is ever acknowledged. The probe before a run must
// find that and report the acked scenarios "not applicable". Listens on $PORT.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const server = createServer();
const io = new Server(server, { connectionStateRecovery: {} });
const messages = [];  // [{ id, content }], ids from 1

io.on('connection', (socket) => {
  socket.on('chat message', (content) => {
    const id = messages.length + 1;
    messages.push({ id, content });
    io.emit('chat message', content, id);  // no ack callback: the acked emit is never answered
  });
  if (!socket.recovered) {
    const after = Number(socket.handshake.auth.serverOffset) || 0;
    for (const message of messages.slice(after)) socket.emit('chat message', message.content, message.id);
  }
});

server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
