/**
 * The daemon's endpoint settings, and a TCP probe of the loopback ones. Pointed at a local
 * stand-in that is not running, the daemon prints hundreds of lines of stack traces for
 * a minute and a half and then exits 0; a connect to the port says the same in
 * milliseconds. Only loopback addresses are probed: nothing leaves this machine.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import type { ParsedProperties } from '../properties/parse.js';

export type Service = 'kinesis' | 'dynamodb' | 'cloudwatch';

/**
 * Every key that sets an AWS client's endpoint in the KCL 3.1 daemon: its two explicit
 * setters (setKinesisEndpoint, setDynamoDBEndpoint: both set the client builder's
 * `endpointOverride`) and the builders' own property. CloudWatch has no setter of its own.
 */
export const ENDPOINT_KEYS: ReadonlyArray<{ key: string; service: Service }> = [
  { key: 'kinesisEndpoint', service: 'kinesis' },
  { key: 'kinesisClient.endpointOverride', service: 'kinesis' },
  { key: 'dynamoDBEndpoint', service: 'dynamodb' },
  { key: 'dynamoDbClient.endpointOverride', service: 'dynamodb' },
  { key: 'cloudWatchClient.endpointOverride', service: 'cloudwatch' },
];

export interface EndpointSetting {
  key: string;
  service: Service;
  /** As written (trimmed), for messages. */
  value: string;
  url: URL;
  host: string;
  port: number;
}

/** 127.0.0.0/8, ::1 and localhost: what a local stand-in listens on. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The endpoint keys the file sets to a URL with a host (a malformed one is validation's to report). */
export function endpointSettings(parsed: ParsedProperties): EndpointSetting[] {
  const out: EndpointSetting[] = [];
  for (const { key, service } of ENDPOINT_KEYS) {
    const value = parsed.map.get(key)?.value.trim();
    if (!value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue;
    }
    if (!url.hostname) continue;
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : NaN;
    if (!Number.isInteger(port)) continue;
    out.push({ key, service, value, url, host: url.hostname.replace(/^\[|\]$/g, ''), port });
  }
  return out;
}

export type ProbeResult = { ok: true } | { ok: false; reason: string };

function connectOnce(address: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const done = (r: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, reason: `no answer to a TCP connect within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done({ ok: false, reason: err.code === 'ECONNREFUSED' ? 'nothing listens there (connection refused)' : `cannot connect (${err.code ?? err.message})` }),
    );
  });
}

/**
 * A TCP connect to a loopback endpoint; `localhost` counts as up when any of its addresses
 * accepts (the JVM may pick either). Refuses to probe anything else.
 */
export async function probeEndpoint(setting: Pick<EndpointSetting, 'host' | 'port'>, timeoutMs = 2000): Promise<ProbeResult> {
  if (!isLoopbackHost(setting.host)) throw new Error(`not a loopback address: ${setting.host}`);
  let addresses: string[];
  if (setting.host.toLowerCase() === 'localhost') {
    try {
      addresses = (await lookup('localhost', { all: true })).map((a) => a.address).filter((a) => isLoopbackHost(a));
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) addresses = ['127.0.0.1'];
  } else {
    addresses = [setting.host];
  }
  const results = await Promise.all(addresses.map((a) => connectOnce(a, setting.port, timeoutMs)));
  return results.find((r) => r.ok) ?? results[0]!;
}
