import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startOamServer, type RunningOamServer } from '../../mocks/oam/server.ts';
import { header } from '../../src/stomp/index.ts';
import { StompSession } from '../../src/transport/stomp-session.ts';

let server: RunningOamServer;
beforeAll(async () => {
  server = await startOamServer();
});
afterAll(() => server.close());

const endpoint = () => ({ url: server.stompUrl, host: 'localhost' });

/** After each bad input the offending session gets ERROR and is closed, and a bystander session still works. */
const BAD_INPUTS: Array<[string, string | Buffer]> = [
  ['binary garbage', Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x0d, 0x0d, 0x00])],
  ['an undefined escape', 'SEND\ndestination:/x\nh:\\t\n\n\0'],
  ['a non-numeric content-length', 'SEND\ndestination:/x\ncontent-length:abc\n\n\0'],
  ['a content-length larger than the body limit', `SEND\ndestination:/x\ncontent-length:${10 ** 12}\n\n`],
  ['a header line without colon', 'SEND\ndestination:/x\nnocolon\n\n\0'],
  ['a bare CR', 'SEND\r\rdestination:/x\n\n\0'],
  ['an unknown command', 'HELLO\n\n\0'],
  ['invalid UTF-8 in a header', Buffer.concat([Buffer.from('SEND\ndestination:/x\nh:'), Buffer.from([0xc3, 0x28]), Buffer.from('\n\n\0')])],
  ['an oversize header line', `SEND\ndestination:/x\nh:${'x'.repeat(20_000)}\n\n\0`],
];

describe('reference server under bad input', () => {
  test.each(BAD_INPUTS)('%s: ERROR then close, and another session keeps working', async (_name, input) => {
    const bystander = await StompSession.open(endpoint(), 'bystander');
    await bystander.connectOrThrow();
    await bystander.subscribeAndWait('/topic/bystander', 'b');

    const offender = await StompSession.open(endpoint(), 'offender');
    await offender.connectOrThrow();
    offender.sendRaw(input, typeof input !== 'string');
    const error = await offender.nextCommand('ERROR', 2000);
    expect(error, offender.transcript.render()).toBeDefined();
    expect(header(error, 'message')).toBeTruthy();
    expect(await offender.waitClosed(2000)).toMatchObject({ by: 'server' });

    bystander.send({ command: 'SEND', headers: { destination: '/topic/bystander' }, body: 'still alive' });
    const m = await bystander.nextCommand('MESSAGE', 2000);
    expect(m?.body.toString()).toBe('still alive');
    await bystander.close();
  });

  test('a client that never finishes its frame does not hold the server: others connect meanwhile', async () => {
    const stuck = await StompSession.open(endpoint(), 'stuck');
    await stuck.connectOrThrow();
    stuck.sendRaw('SEND\ndestination:/topic/x\ncontent-length:100\n\npartial');
    const other = await StompSession.open(endpoint(), 'other');
    expect((await other.connect())?.command).toBe('CONNECTED');
    await Promise.all([stuck.close(), other.close()]);
  });
});
