import type { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';

/**
 * The server side of one STOMP connection, whatever carries it: a WebSocket (one message per write) or a raw TCP
 * stream (STOMP's own transport, where frames are delimited by NUL only).
 */
export interface StompLink {
  readonly isOpen: boolean;
  /** Octets written and not yet handed to the network (a client that stopped reading makes it grow). */
  readonly bufferedAmount: number;
  send(bytes: Buffer, binary: boolean): void;
  /** Ends the connection (a WebSocket close with code and reason; TCP: FIN). */
  close(code: number, reason: string): void;
  terminate(): void;
  onData(fn: (data: Buffer) => void): void;
  onClose(fn: () => void): void;
}

export function wsLink(ws: WebSocket): StompLink {
  return {
    get isOpen() {
      return ws.readyState === 1;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    send: (bytes, binary) => ws.send(bytes, { binary }),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
    onData: (fn) => void ws.on('message', (data: Buffer) => fn(data)),
    onClose: (fn) => {
      ws.on('close', fn);
      ws.on('error', fn);
    },
  };
}

export function tcpLink(socket: Socket): StompLink {
  let open = true;
  const closed = () => (open = false);
  socket.on('close', closed);
  socket.on('error', closed);
  return {
    get isOpen() {
      return open && !socket.destroyed && socket.writable;
    },
    get bufferedAmount() {
      return socket.writableLength;
    },
    send: (bytes) => void socket.write(bytes),
    close: () => {
      open = false;
      socket.end();
    },
    terminate: () => {
      open = false;
      socket.destroy();
    },
    onData: (fn) => void socket.on('data', fn),
    onClose: (fn) => {
      socket.on('close', fn);
      socket.on('error', fn);
    },
  };
}
