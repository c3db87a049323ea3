/** The agent's UDP sockets: their addresses are always IP literals, handed back as they are (no resolver). */
import { createSocket, type Socket, type SocketOptions } from 'node:dgram';

export function literalUdp4(): Socket {
  return createSocket({
    type: 'udp4',
    lookup: (host: string, _o: unknown, cb: (e: null, a: string, f: number) => void) => cb(null, host, 4),
  } as SocketOptions);
}
