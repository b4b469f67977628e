#!/usr/bin/env node
/**
 * The hub mode's forwarders, measured: N idle native forwarders and N Node forwarders
 * (default 64 each, what a worker with 64 leases runs) connected to one Unix socket
 * server, in alternating rounds. Per kind it prints
 *   - the PSS sum over the N processes (/proc/PID/smaps_rollup: pages shared between
 *     them, such as the binary's own, count once for the fleet) and the RSS sum beside it;
 *   - start-up: from spawn() to the first byte echoed back through the hub's socket.
 * Linux only (smaps_rollup). Needs `npm run build` (dist/hub/forwarder/).
 *
 *   node bench/forwarder.mjs [--count N] [--rounds R] [--native PATH]
 *
 * --native measures another build of forwarder.c in place of the located one.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FORWARDERS = path.join(ROOT, 'dist/hub/forwarder');

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
}
const COUNT = Number(option('--count', '64'));
const ROUNDS = Number(option('--rounds', '3'));
const SETTLE_MS = 1000; // lets a Node forwarder finish starting up before it is measured idle

const { locateForwarder } = await import(path.join(FORWARDERS, 'locate.js'));
const nativeBinary = option('--native', undefined) ?? locateForwarder('/tmp/x.sock').argv[0];
const nodeScript = path.join(FORWARDERS, 'node-forwarder.js');
for (const file of [nativeBinary, nodeScript]) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build`);
}
const KINDS = {
  native: (socket) => [nativeBinary, socket],
  node: (socket) => [process.execPath, nodeScript, socket],
};

/** kB fields of /proc/PID/smaps_rollup. */
function rollup(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { pss: field('Pss'), rss: field('Rss') };
}

async function round(kind, socket) {
  const children = [];
  const startups = [];
  for (let i = 0; i < COUNT; i++) {
    const [program, ...args] = KINDS[kind](socket);
    const started = process.hrtime.bigint();
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdin.write('x');
    await once(child.stdout, 'data');
    startups.push(Number(process.hrtime.bigint() - started) / 1e6);
    children.push(child);
  }
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  let pss = 0;
  let rss = 0;
  for (const child of children) {
    const m = rollup(child.pid);
    pss += m.pss;
    rss += m.rss;
  }
  // The lease's end as the daemon makes it: stdin closed; the hub then closes the socket.
  const exits = children.map((c) => once(c, 'close'));
  for (const child of children) child.stdin.end();
  const codes = (await Promise.all(exits)).map(([code]) => code);
  if (codes.some((c) => c !== 0)) throw new Error(`${kind}: exit codes ${codes.join(',')}`);
  return { pss, rss, startups };
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const dir = mkdtempSync(path.join(tmpdir(), 'kcl-ts-fwd-bench-'));
const socket = path.join(dir, 'hub.sock');
// An echo hub: what comes up goes back down; the lease ends when the forwarder's stdin does.
const server = createServer({ allowHalfOpen: true }, (s) => {
  s.on('data', (b) => s.write(b));
  s.on('end', () => s.end());
  s.on('error', () => {});
});
server.listen(socket);
await once(server, 'listening');

console.log(`forwarder bench: ${COUNT} idle forwarders per kind, ${ROUNDS} rounds alternating; native = ${path.relative(ROOT, nativeBinary)}`);
const results = { native: [], node: [] };
try {
  for (let r = 1; r <= ROUNDS; r++) {
    for (const kind of r % 2 === 1 ? ['native', 'node'] : ['node', 'native']) {
      const res = await round(kind, socket);
      results[kind].push(res);
      const s = [...res.startups].sort((a, b) => a - b);
      console.log(
        `round ${r} ${kind.padEnd(6)} PSS ${(res.pss / 1024).toFixed(2).padStart(7)} MB (${(res.pss / 1024 / COUNT).toFixed(3)} MB each)  ` +
          `RSS ${(res.rss / 1024).toFixed(1).padStart(6)} MB  start-up median ${quantile(s, 0.5).toFixed(2)} ms, p90 ${quantile(s, 0.9).toFixed(2)} ms`,
      );
    }
  }
} finally {
  server.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log('\n| kind | PSS sum (MB) | PSS each (MB) | RSS sum (MB) | start-up median (ms) | start-up p90 (ms) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const kind of ['native', 'node']) {
  const rs = results[kind];
  const range = (key, digits, per = 1) => {
    const v = rs.map((x) => x[key] / 1024 / per);
    return `${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)}`;
  };
  const all = rs.flatMap((x) => x.startups).sort((a, b) => a - b);
  console.log(
    `| ${kind} | ${range('pss', 2)} | ${range('pss', 3, COUNT)} | ${range('rss', 1)} | ${quantile(all, 0.5).toFixed(2)} | ${quantile(all, 0.9).toFixed(2)} |`,
  );
}
