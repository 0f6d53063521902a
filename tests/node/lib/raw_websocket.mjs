// A tiny WebSocket client on node:net, so tests can send what no real client would:
// invalid UTF-8 in a text frame, binary frames, oversized frames, malformed packets.
// Server frames are read (with fragmentation), WebSocket pings are answered, and a close
// (close frame or TCP end) is reported by closed().
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 };

export class RawWebSocket {
  // url: http://host:port; path: the request target.
  static connect(url, { path = '/socket.io/?EIO=4&transport=websocket', timeoutMs = 5000, extraHeaders = {} } = {}) {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: hostname, port: Number(port) });
      const key = randomBytes(16).toString('base64');
      let head = Buffer.alloc(0);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`WebSocket handshake with ${url}${path} timed out`));
      }, timeoutMs);
      const onError = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      socket.on('error', onError);
      socket.on('connect', () => {
        const headers = {
          Host: `${hostname}:${port}`,
          Upgrade: 'websocket',
          Connection: 'Upgrade',
          'Sec-WebSocket-Key': key,
          'Sec-WebSocket-Version': '13',
          ...extraHeaders,
        };
        const lines = [`GET ${path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''];
        socket.write(lines.join('\r\n'));
      });
      const onData = (chunk) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('error', onError);
        const text = head.subarray(0, end).toString('latin1');
        const [statusLine, ...headerLines] = text.split('\r\n');
        const responseHeaders = {};
        for (const line of headerLines) {
          const colon = line.indexOf(':');
          if (colon > 0) responseHeaders[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const status = Number(statusLine.split(' ')[1]);
        if (status !== 101) {
          socket.destroy();
          const error = new Error(`WebSocket handshake refused: ${statusLine}`);
          error.status = status;
          error.body = head.subarray(end + 4).toString('utf8');
          reject(error);
          return;
        }
        const expected = createHash('sha1').update(key + GUID).digest('base64');
        if (responseHeaders['sec-websocket-accept'] !== expected) {
          socket.destroy();
          reject(new Error(`bad Sec-WebSocket-Accept: ${responseHeaders['sec-websocket-accept']}`));
          return;
        }
        resolve(new RawWebSocket(socket, head.subarray(end + 4)));
      };
      socket.on('data', onData);
    });
  }

  constructor(socket, rest) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.fragments = null; // {opcode, parts}
    this.messages = []; // unread {type: 'text'|'binary', data: Buffer, text}
    this.log = []; // every message ever received, as text (for failure messages)
    this.closeInfo = null; // {code, reason, how}
    this.waiters = new Set();
    this.autoReply = null; // (text) => reply text or null
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => {}); // ECONNRESET etc.: reported through 'close'
    socket.on('close', () => this.markClosed({ how: 'tcp closed' }));
    if (rest.length) this.onData(rest);
  }

  // Engine.IO heartbeat: answer the server's ping "2" with "3".
  answerEnginePings() {
    this.autoReply = (text) => (text === '2' ? '3' : null);
    return this;
  }

  markClosed(info) {
    if (!this.closeInfo) this.closeInfo = info;
    else if (info.how === 'tcp closed') this.closeInfo.tcpClosed = true;
    this.wake();
  }

  wake() {
    for (const waiter of [...this.waiters]) waiter();
  }

  onData(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const frame = this.parseFrame();
      if (!frame) break;
      this.onFrame(frame);
    }
  }

  parseFrame() {
    const b = this.buffer;
    if (b.length < 2) return null;
    const fin = (b[0] & 0x80) !== 0;
    const opcode = b[0] & 0x0f;
    const masked = (b[1] & 0x80) !== 0;
    let length = b[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return null;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return null;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    let mask = null;
    if (masked) {
      if (b.length < offset + 4) return null;
      mask = b.subarray(offset, offset + 4);
      offset += 4;
    }
    if (b.length < offset + length) return null;
    const payload = Buffer.from(b.subarray(offset, offset + length));
    if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
    this.buffer = b.subarray(offset + length);
    return { fin, opcode, payload };
  }

  onFrame({ fin, opcode, payload }) {
    if (opcode === OPCODE.ping) {
      this.sendFrame({ opcode: OPCODE.pong, payload });
      return;
    }
    if (opcode === OPCODE.pong) return;
    if (opcode === OPCODE.close) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
      const reason = payload.length > 2 ? payload.subarray(2).toString('utf8') : '';
      this.markClosed({ how: 'close frame', code, reason });
      try {
        this.sendFrame({ opcode: OPCODE.close, payload: payload.subarray(0, 2) });
        this.socket.end();
      } catch {
        // the server may have gone already
      }
      return;
    }
    if (opcode === OPCODE.continuation) {
      if (!this.fragments) return;
      this.fragments.parts.push(payload);
      if (!fin) return;
      opcode = this.fragments.opcode;
      payload = Buffer.concat(this.fragments.parts);
      this.fragments = null;
    } else if (!fin) {
      this.fragments = { opcode, parts: [payload] };
      return;
    }
    const message = { type: opcode === OPCODE.text ? 'text' : 'binary', data: payload, text: payload.toString('utf8') };
    this.log.push(message.type === 'text' ? message.text : `<binary ${payload.length} bytes>`);
    const reply = message.type === 'text' && this.autoReply ? this.autoReply(message.text) : null;
    if (reply !== null) {
      this.sendText(reply);
      return;
    }
    this.messages.push(message);
    this.wake();
  }

  // Sends one frame; payload is a Buffer or string (UTF-8). Client frames are masked
  // unless mask is false (a protocol violation, for tests).
  sendFrame({ opcode, payload = Buffer.alloc(0), fin = true, mask = true, rsv = 0 }) {
    const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
    let header;
    if (data.length < 126) {
      header = Buffer.from([0, data.length]);
    } else if (data.length < 65536) {
      header = Buffer.alloc(4);
      header[1] = 126;
      header.writeUInt16BE(data.length, 2);
    } else {
      header = Buffer.alloc(10);
      header[1] = 127;
      header.writeBigUInt64BE(BigInt(data.length), 2);
    }
    header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
    let body = data;
    if (mask) {
      header[1] |= 0x80;
      const key = randomBytes(4);
      body = Buffer.from(data);
      for (let i = 0; i < body.length; i++) body[i] ^= key[i % 4];
      header = Buffer.concat([header, key]);
    }
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(Buffer.concat([header, body]));
  }

  sendText(text) {
    this.sendFrame({ opcode: OPCODE.text, payload: text });
  }

  sendBinary(buffer) {
    this.sendFrame({ opcode: OPCODE.binary, payload: buffer });
  }

  waitUntil(predicate, what, timeoutMs) {
    return new Promise((resolve, reject) => {
      const check = () => {
        let value;
        try {
          value = predicate();
        } catch (error) {
          clearTimeout(timer);
          this.waiters.delete(check);
          reject(error);
          return;
        }
        if (value !== undefined && value !== false) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `raw WebSocket: timed out after ${timeoutMs} ms waiting for ${what}; received ${JSON.stringify(
              this.log.map((t) => (t.length > 200 ? `${t.slice(0, 200)}...` : t)),
            )}; closed: ${JSON.stringify(this.closeInfo)}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  // The next unread message; rejects if the connection closes first or on timeout.
  next(timeoutMs = 3000) {
    return this.waitUntil(
      () => {
        if (this.messages.length) return this.messages.shift();
        if (this.closeInfo) throw Object.assign(new Error(`connection closed: ${JSON.stringify(this.closeInfo)}`), { closeInfo: this.closeInfo });
        return undefined;
      },
      'a message',
      timeoutMs,
    );
  }

  async nextText(timeoutMs = 3000) {
    const message = await this.next(timeoutMs);
    if (message.type !== 'text') throw new Error(`expected a text frame, got ${message.type}`);
    return message.text;
  }

  // Resolves with the close info once the server has closed the connection.
  closed(timeoutMs = 3000) {
    return this.waitUntil(() => this.closeInfo ?? undefined, 'the connection to close', timeoutMs);
  }

  destroy() {
    this.socket.destroy();
    for (const waiter of this.waiters) waiter();
  }
}

// Opens an Engine.IO v4 WebSocket session: returns {ws, open} with the parsed open packet.
export async function openEngineIo(url, options = {}) {
  const ws = await RawWebSocket.connect(url, options);
  const first = await ws.nextText(options.timeoutMs ?? 5000);
  if (!first.startsWith('0')) throw new Error(`expected the Engine.IO open packet, got ${JSON.stringify(first)}`);
  ws.answerEnginePings();
  return { ws, open: JSON.parse(first.slice(1)) };
}

// Opens an Engine.IO session and connects to the Socket.IO namespace "/" with `auth`.
// Returns {ws, open, connect} where connect is the CONNECT reply text.
export async function openSocketIo(url, auth = { serverOffset: 0 }, options = {}) {
  const { ws, open } = await openEngineIo(url, options);
  ws.sendText(`40${JSON.stringify(auth)}`);
  const connect = await ws.nextText(options.timeoutMs ?? 5000);
  return { ws, open, connect };
}
