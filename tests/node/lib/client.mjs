// A chat client on the real socket.io-client 4.x, written like the tutorial's page:
// auth {serverOffset}, and on ('chat message', msg, id) it records the message and sets
// socket.auth.serverOffset = id. Everything received is kept in order for the assertions.
import { io } from 'socket.io-client';

let clientCount = 0;

export function connectClient(url, options = {}) {
  const {
    name = `client-${++clientCount}`,
    serverOffset = 0,
    auth = { serverOffset },
    reconnection = true,
    reconnectionDelay = 100,
    reconnectionDelayMax = 500,
    describeServer = () => '',
    ...extra
  } = options;
  const socket = io(url, {
    transports: ['websocket'],
    forceNew: true, // one Manager (one connection) per client
    ...(auth === null ? {} : { auth }), // null: no auth object at all
    reconnection,
    reconnectionDelay,
    reconnectionDelayMax,
    randomizationFactor: 0,
    timeout: 5000,
    ...extra,
  });

  const waiters = new Set();
  const client = {
    name,
    socket,
    received: [], // [{msg, id}] in arrival order
    connects: 0,
    connectErrors: [],
    disconnectReasons: [],
    // A receive index for each connect, to tell catch-up after a reconnect apart.
    connectMarks: [],
    ids() {
      return this.received.map((m) => m.id);
    },
    lastId() {
      return this.received.length ? this.received[this.received.length - 1].id : undefined;
    },
    maxId() {
      let max = -Infinity;
      for (const m of this.received) if (m.id > max) max = m.id;
      return max;
    },
    hasId(id) {
      return this.received.some((m) => m.id === id);
    },
    // Resolves once predicate(client) is true; rejects after timeoutMs with what was seen.
    waitFor(predicate, what, timeoutMs = 10000) {
      if (predicate(client)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = {
          check() {
            if (predicate(client)) {
              clearTimeout(waiter.timer);
              waiters.delete(waiter);
              resolve();
            }
          },
        };
        waiter.timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${name}: timed out after ${timeoutMs} ms waiting for ${what}\n${client.summary()}\n${describeServer()}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    waitForConnect(count = 1, timeoutMs = 10000) {
      return client.waitFor((c) => c.connects >= count && c.socket.connected, `connect #${count}`, timeoutMs);
    },
    waitForId(id, timeoutMs = 10000) {
      return client.waitFor((c) => c.hasId(id), `message id ${id}`, timeoutMs);
    },
    waitForCount(count, timeoutMs = 10000) {
      return client.waitFor((c) => c.received.length >= count, `${count} messages`, timeoutMs);
    },
    // Sends with an ack, as the tutorial's client-delivery step does; resolves with the ack args.
    sendWithAck(msg, clientOffset, timeoutMs = 5000) {
      return socket.timeout(timeoutMs).emitWithAck('chat message', msg, clientOffset);
    },
    send(msg) {
      socket.emit('chat message', msg);
    },
    summary() {
      const ids = client.ids();
      const shown = ids.length > 40 ? `${ids.slice(0, 20).join(',')} ... ${ids.slice(-20).join(',')}` : ids.join(',');
      return (
        `${name}: connected=${socket.connected} connects=${client.connects} received ${ids.length} ids [${shown}]` +
        ` connectErrors=${JSON.stringify(client.connectErrors)} disconnects=${JSON.stringify(client.disconnectReasons)}`
      );
    },
    close() {
      socket.disconnect();
      socket.io.engine?.close();
      for (const waiter of waiters) clearTimeout(waiter.timer);
      waiters.clear();
    },
  };

  const notify = () => {
    for (const waiter of [...waiters]) waiter.check();
  };
  socket.on('chat message', (msg, id) => {
    client.received.push({ msg, id });
    if (socket.auth) socket.auth.serverOffset = id; // the tutorial's handler
    notify();
  });
  socket.on('connect', () => {
    client.connects += 1;
    client.connectMarks.push(client.received.length);
    notify();
  });
  socket.on('connect_error', (error) => {
    client.connectErrors.push(error.message);
    notify();
  });
  socket.on('disconnect', (reason) => {
    client.disconnectReasons.push(reason);
    notify();
  });
  return client;
}

// Connects and waits for the Socket.IO CONNECT to succeed.
export async function connectedClient(url, options = {}) {
  const client = connectClient(url, options);
  await client.waitForConnect(1, options.connectTimeoutMs ?? 10000);
  return client;
}

// Ids that arrived twice, and the positions where an id was not greater than the one before.
export function orderingProblems(ids) {
  const seen = new Set();
  const duplicates = [];
  const inversions = [];
  for (let i = 0; i < ids.length; i++) {
    if (seen.has(ids[i])) duplicates.push(ids[i]);
    seen.add(ids[i]);
    if (i > 0 && ids[i] <= ids[i - 1]) inversions.push([ids[i - 1], ids[i]]);
  }
  return { duplicates, inversions };
}

export function closeAll(clients) {
  for (const client of clients) {
    try {
      client?.close();
    } catch {
      // already closed
    }
  }
}
