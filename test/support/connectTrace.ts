// Reads strace's record of a process tree's connect/sendto/sendmsg calls (startCodeServer's
// `traceConnections`): every IPv4/IPv6 address a process tried to reach, DNS servers included.
import { readFileSync } from 'node:fs';

export interface TracedConnection {
  pid: number;
  call: string;
  address: string;
  port: number;
  /** The whole strace line, for the failure message. */
  line: string;
}

const CALL = /^(\d+)\s+(connect|sendto|sendmsg)\(/;
const IPV4 = /sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)/;
const IPV6 = /sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"/;

/** Every traced call that named an internet address (Unix sockets and netlink are left out). */
export function readConnectionTrace(file: string): TracedConnection[] {
  const found: TracedConnection[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const call = CALL.exec(line);
    if (!call) continue;
    const address = IPV4.exec(line) ?? IPV6.exec(line);
    if (!address) continue;
    found.push({ pid: Number(call[1]), call: call[2]!, port: Number(address[1]), address: address[2]!, line });
  }
  return found;
}

/** This machine's loopback: 127.0.0.0/8, ::1, and 127.x written as an IPv4-mapped IPv6 address. */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.toLowerCase().replace(/^::ffff:/, '');
  return bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}
