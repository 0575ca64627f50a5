import { readFileSync } from 'node:fs';

/** The settings of wcsoam.properties that the reference server honours. */
export interface OamSettings {
  /** `server.port`: HTTPS port of REST and WSS (documented default 8090). */
  port: number;
  /** `stomp_max_timeout` (ms): a WebSocket that does not complete CONNECT within it is closed; 0 disables. */
  stompMaxTimeoutMs: number;
  /** `access_control_allow_origin`: CORS origin allowed on REST; empty disables CORS headers. */
  accessControlAllowOrigin: string;
}

export const DEFAULT_OAM_SETTINGS: OamSettings = { port: 8090, stompMaxTimeoutMs: 1000, accessControlAllowOrigin: '*' };

/** Parses a `wcsoam.properties`-style text: `key = value` lines, `#` and `!` comments. */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:]?\s*(.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

export function oamSettingsFrom(properties: Record<string, string>, source = 'properties'): OamSettings {
  const settings = { ...DEFAULT_OAM_SETTINGS };
  const int = (key: string) => {
    const v = Number(properties[key]);
    if (!Number.isInteger(v) || v < 0) throw new Error(`${source}: ${key} must be a non-negative integer, not "${properties[key]}"`);
    return v;
  };
  if (properties['server.port'] !== undefined) settings.port = int('server.port');
  if (properties.stomp_max_timeout !== undefined) settings.stompMaxTimeoutMs = int('stomp_max_timeout');
  if (properties.access_control_allow_origin !== undefined) settings.accessControlAllowOrigin = properties.access_control_allow_origin;
  return settings;
}

export function loadOamSettings(path: string): OamSettings {
  return oamSettingsFrom(parseProperties(readFileSync(path, 'utf8')), path);
}
