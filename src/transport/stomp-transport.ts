import type { Buffer } from 'node:buffer';
import type { CloseRecord, Transcript } from './transcript.ts';

/** One chunk of bytes as it arrived: a WebSocket message, or one read of a TCP stream. */
export interface TransportMessage {
  data: Buffer;
  binary: boolean;
  at: number;
}

/**
 * What a STOMP session needs from the connection under it, recorded byte for byte: a WebSocket (RecordingWebSocket,
 * ws-client.ts) or a raw TCP/TLS stream (RecordingTcp, tcp-client.ts), STOMP's own transport.
 */
export interface StompTransport {
  readonly transcript: Transcript;
  /** The negotiated WebSocket subprotocol; empty on TCP. */
  readonly protocol: string;
  readonly isOpen: boolean;
  listeners: Array<(message: TransportMessage) => void>;
  send(data: string | Uint8Array, opts?: { binary?: boolean }): void;
  /** Waits until something arrives or the connection changes (or `ms` pass). */
  wait(ms: number): Promise<void>;
  waitClosed(timeoutMs: number): Promise<CloseRecord | undefined>;
  close(): Promise<CloseRecord>;
  /** Drops the connection at once (a lost connection, as the server sees it). */
  terminate(): void;
  pause(): void;
  resume(): void;
}

/** STOMP over raw TCP (`stomp://host:port`) or TLS (`stomp+ssl://host:port`). */
export function isTcpStompUrl(url: string): boolean {
  return /^stomp(\+ssl)?:\/\//.test(url);
}

/** The documented default port of STOMP over TCP. */
export const STOMP_TCP_PORT = 61613;
